STRINGS = {
    "audit": {"zh": "审计日志", "en": "Audit log"},
    "audit_days": {"zh": "最近天数", "en": "Last days"},
    "audit_action": {"zh": "操作类型", "en": "Action"},
    "audit_count": {"zh": "共 {n} 条记录", "en": "{n} entries"},
    "audit_export": {"zh": "导出 CSV", "en": "Export CSV"},
    "audit_users": {"zh": "账号", "en": "Accounts"},
}
