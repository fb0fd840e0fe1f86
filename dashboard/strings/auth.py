STRINGS = {
    "auth_username": {"zh": "用户名", "en": "User name"},
    "auth_password": {"zh": "密码", "en": "Password"},
    "auth_sign_in": {"zh": "登录", "en": "Sign in"},
    "auth_sign_out": {"zh": "退出登录", "en": "Sign out"},
    "auth_sso": {"zh": "统一身份认证登录", "en": "Sign in with single sign-on"},
    "auth_sso_no_role": {"zh": "您的账号未分配 GridGov 角色，请联系管理员。",
                         "en": "Your account has no GridGov role; ask the administrator."},
    "auth_failed": {"zh": "用户名或密码错误，或账号已停用。", "en": "User name or password is wrong, or the account is disabled."},
    "auth_locked": {"zh": "登录失败次数过多，账号已锁定至 {until}。", "en": "Too many failed sign-ins: locked until {until}."},
    "auth_timed_out": {"zh": "长时间未操作，已自动退出，请重新登录。", "en": "Signed out after inactivity; please sign in again."},
    "auth_signed_in_as": {"zh": "当前用户", "en": "Signed in as"},
    "auth_session_ended": {"zh": "您已在其他窗口退出登录，或账号已被停用或变更，请重新登录。",
                           "en": "You were signed out (in another tab, or the account was disabled or changed); "
                                 "please sign in again."},
    "auth_db_down": {"zh": "数据库暂时无法连接，页面将在恢复后自动刷新。",
                     "en": "The database cannot be reached; this page reloads by itself once it is back."},
    "app_error": {"zh": "抱歉，页面出错了。请刷新重试；如仍有问题，请联系管理员并告知错误编号 {ref}。",
                  "en": "Sorry, something went wrong on this page. Reload to try again; if it persists, tell "
                        "the administrator the error reference {ref}."},
}

STRINGS.update({
    f"role_{code}": {"zh": zh, "en": en} for code, zh, en in [
        ("admin", "区管理员", "District admin"), ("supervisor", "中心值班长", "Center supervisor"),
        ("department", "部门人员", "Department staff"), ("street", "街道人员", "Street staff"),
        ("community", "社区人员", "Community staff"), ("grid_member", "网格员", "Grid member"),
        ("analyst", "分析员", "Analyst"), ("screen", "大屏", "Big screen"), ("resident", "居民", "Resident"),
        ("volunteer", "热心人", "Volunteer"),
    ]
})
