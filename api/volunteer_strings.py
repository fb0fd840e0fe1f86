"""The volunteer phone page's words, Chinese by default and English (the page gets them as one JSON object),
with the names of skills, task kinds and statuses."""

from __future__ import annotations

from geo.domain.volunteers import NAMES_ZH

_S = {
    "title": ("热心人", "Volunteer"),
    "sign_in": ("登录", "Sign in"), "username": ("用户名", "User name"), "password": ("密码", "Password"),
    "signed_in_as": ("{name} · {community}", "{name} · {community}"), "sign_out": ("退出", "Sign out"),
    "balance": ("积分 {points}", "{points} points"),
    "open_tasks": ("可报名的任务", "Tasks you can take"), "my_tasks": ("我的任务", "My tasks"),
    "none_open": ("暂时没有需要人手的任务。", "No task needs people right now."),
    "none_mine": ("还没有报名任务。", "You have not taken a task yet."),
    "places": ("还需 {left} 人（共 {headcount} 人）", "{left} of {headcount} places left"),
    "distance": ("距您 {m} 米", "{m} m from you"), "when": ("{start} 至 {end}", "{start} to {end}"),
    "take": ("报名", "Take it"), "taken": ("已报名任务 {number}", "You took task {number}"),
    "complete": ("登记完成", "Record it done"), "photo": ("拍照（可选）", "Photo (optional)"),
    "note": ("完成情况（可选）", "What was done (optional)"),
    "photo_ready": ("照片已压缩：{kb} KB", "Photo reduced to {kb} KB"),
    "send": ("提交", "Send"), "sending": ("正在提交…", "Sending…"),
    "completed": ("已登记完成，获得 {points} 积分", "Recorded: {points} points"),
    "error": ("未完成：{message}", "Not done: {message}"),
    "points": ("积分明细", "Points"), "redeemed": ("兑换", "redeemed"), "earned": ("服务", "service"),
    "status_active": ("进行中", "in progress"), "status_done": ("已完成", "done"),
    "kind_case": ("事件处置", "case"), "kind_patrol": ("巡查", "patrol"), "kind_campaign": ("活动", "campaign"),
    "kind_errand": ("帮办", "errand"),
    "not_volunteer": ("该账号不是在册热心人，请联系社区。",
                      "This account is not a registered volunteer: ask your community."),
}
_EN = {"elderly_care": "elderly care", "weekday_day": "weekday daytime", "weekday_evening": "weekday evening"}


def strings(lang: str) -> dict[str, str]:
    index = 1 if lang == "en" else 0
    words = {key: pair[index] for key, pair in _S.items()}
    words.update({f"code_{code}": (zh if index == 0 else _EN.get(code, code)) for code, zh in NAMES_ZH.items()})
    return words
