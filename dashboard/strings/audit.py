STRINGS = {
    "audit": {"zh": "审计日志", "en": "Audit log"},
    "audit_days": {"zh": "最近天数", "en": "Last days"},
    "audit_action": {"zh": "操作类型", "en": "Action"},
    "audit_count": {"zh": "共 {n} 条记录", "en": "{n} entries"},
    "audit_export": {"zh": "导出 CSV", "en": "Export CSV"},
    "audit_users": {"zh": "账号", "en": "Accounts"},
    "audit_any": {"zh": "全部", "en": "Any"},
    "audit_disabled": {"zh": "已停用", "en": "disabled"},
}
STRINGS.update({f"audit_action_{code}": {"zh": zh, "en": en} for code, zh, en in [
    ("sign_in", "登录", "Sign-in"), ("sign_in_failed", "登录失败", "Failed sign-in"),
    ("sign_in_locked", "锁定期间尝试登录", "Sign-in while locked"), ("lockout", "账号锁定", "Lockout"),
    ("role_change", "角色变更", "Role change"), ("reveal_personal", "查看个人信息", "Personal data shown"),
    ("import", "导入", "Import"), ("user_add", "新增账号", "Account added"), ("user_disable", "停用账号", "Account disabled"),
    ("user_enable", "启用账号", "Account enabled"), ("kiosk_token", "生成大屏令牌", "Kiosk token made"),
]})
STRINGS.update({f"audit_col_{code}": {"zh": zh, "en": en} for code, zh, en in [
    ("at", "时间", "When"), ("actor", "操作人", "Who"), ("role", "角色", "Role"), ("action", "操作", "Action"),
    ("target", "对象", "Target"), ("detail", "详情（原始记录）", "Detail (as recorded)"), ("username", "用户名", "User name"),
    ("name", "姓名", "Name"), ("disabled", "状态", "State"), ("locked_until", "锁定至", "Locked until"),
    ("grids", "负责网格", "Grids"), ("id", "编号", "Id"), ("department", "部门", "Department"),
    ("street", "街道", "Street"), ("community", "社区", "Community"),
]})
