"""The snap-and-report page's words, Chinese by default and English (the page gets them as one JSON object).

Every sentence the page shows a person is here — its labels, its notices, and the refusals of the API, which
the page receives as a ``reason`` word and shows as ``err_<reason>`` (the API's own descriptions are English
for machine clients, as Open311 has them, and are never shown)."""

from __future__ import annotations

_S = {
    "title": ("随手拍", "Snap and report"),
    "lang_switch": ("English", "中文"),
    "photo": ("拍照或选择照片", "Take or choose a photo"),
    "photo_ready": ("照片已压缩：{kb} KB", "Photo reduced to {kb} KB"),
    "photo_alt": ("待上报的照片", "The photo to send"),
    "locating": ("正在定位…", "Locating…"),
    "located": ("位置：{grid}", "Position: {grid}"),
    "your_grid": ("（您的网格）", " (your grid)"),
    "not_your_grid": ("（不是您负责的网格）", " (not one of your grids)"),
    "outside": ("该位置不在本区网格内，请在地图上拖动标记", "This position is outside the district: drag the marker"),
    "no_position": ("无法定位，请在地图上点选位置", "No position: tap the map to set one"),
    "drag_hint": ("可拖动标记修正位置", "Drag the marker to correct the position"),
    "zoom_in": ("放大", "Zoom in"),
    "zoom_out": ("缩小", "Zoom out"),
    "marker": ("上报位置", "Reported position"),
    "category": ("问题类别", "Category"),
    "category_unknown": ("不确定（由指挥中心判断）", "Not sure (the center decides)"),
    "suggested": ("建议：", "Suggested: "),
    "description": ("问题描述", "Description"),
    "phone": ("手机号（选填，办结时通知您）", "Mobile number (optional: you are told when it is closed)"),
    "submit": ("提交", "Submit"),
    "sending": ("正在提交…", "Sending…"),
    "duplicates": ("附近已有相同问题在办理：", "Already reported nearby:"),
    "duplicate_line": ("{number} · {name} · 相距 {metres} 米", "{number} · {name} · {metres} m away"),
    "follow": ("关注此事件", "Follow this case"),
    "report_anyway": ("仍然上报", "Report anyway"),
    "done": ("已提交，事件编号 {number}", "Sent: case {number}"),
    "followed": ("已关注事件 {number}", "You follow case {number}"),
    "followed_told": ("已关注事件 {number}，办结时会通知您", "You follow case {number}: you will be told when it closes"),
    "error": ("提交失败：{message}", "Not sent: {message}"),
    "need_position": ("请先确定位置", "Set a position first"),
    "need_what": ("请选择类别或填写描述", "Choose a category or describe the problem"),
    # who reports
    "as_member": ("{role} {name} 上报", "Reporting as {role} {name}"),
    "member_grids": ("负责网格：{grids}", "Your grids: {grids}"),
    "as_resident": ("以居民身份上报，无需账号", "Reporting as a resident, no account needed"),
    "sign_in": ("网格员登录", "Grid member sign-in"),
    "sign_in_again": ("重新登录", "Sign in again"),
    "cannot_patrol": ("已以 {role} {name} 登录，该账号不能巡查上报", "Signed in as {role} {name}: this account does not report on patrol"),
    "closed_to_residents": ("请登录后上报", "Please sign in to report"),
    # refusals of the API, by reason word (api.app.REASON_BY_STATUS and the reasons the routes give)
    "err_bad_input": ("填写的内容有误，请检查后重试", "Something in the form is not right: check it and try again"),
    "err_outside": ("该位置不在本区范围内，无法受理", "This position is outside the district: it cannot be accepted"),
    "err_no_position": ("请确定问题位置", "Set the position of the problem"),
    "err_unknown_service": ("该问题类别已不存在，请重新选择", "That category no longer exists: choose again"),
    "err_answers": ("请完整回答该类别的问题", "Answer the category's questions"),
    "err_photo": ("照片无法使用，请换一张（JPEG、PNG 或 WebP）", "The photo cannot be used: choose another (JPEG, PNG or WebP)"),
    "err_too_large": ("照片太大，请换一张较小的照片", "The photo is too large: choose a smaller one"),
    "err_rate_limited": ("提交太频繁，请稍后再试", "Too many reports just now: try again in a minute"),
    "err_signed_out": ("登录已失效，请重新登录", "You are signed out: sign in again"),
    "err_not_allowed": ("该账号不能巡查上报", "This account does not report on patrol"),
    "err_channel_closed": ("暂不接受无账号上报，请登录后再试", "Reports without an account are not accepted now: sign in"),
    "err_cross_site": ("请求来源不正确，请在本页面重新提交", "This request did not come from this page: send it again here"),
    "err_forbidden": ("没有权限进行此操作", "You may not do that"),
    "err_unknown_case": ("没有找到该事件", "That case was not found"),
    "err_not_found": ("没有找到所请求的内容", "Not found"),
    "err_network": ("网络连接失败，请检查网络后重试", "No connection: check the network and try again"),
    "err_failed": ("服务暂时出现问题，请稍后再试", "The service failed: try again later"),
    # roles, as the page names the signed-in person
    "role_grid_member": ("网格员", "grid member"),
    "role_community": ("社区工作人员", "community staff"),
    "role_street": ("街道工作人员", "street staff"),
    "role_supervisor": ("指挥中心", "supervisor"),
    "role_admin": ("管理员", "administrator"),
    "role_department": ("部门人员", "department staff"),
    "role_analyst": ("分析员", "analyst"),
    "role_screen": ("大屏", "big screen"),
    "role_resident": ("居民", "resident"),
}


def strings(lang: str) -> dict[str, str]:
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in _S.items()}
