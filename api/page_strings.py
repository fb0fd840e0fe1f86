"""The snap-and-report page's words, Chinese by default and English (the page gets them as one JSON object)."""

from __future__ import annotations

_S = {
    "title": ("随手拍", "Snap and report"),
    "key_label": ("设备密钥（首次使用时由管理员提供）", "Device key (given by the administrator, once)"),
    "key_save": ("保存", "Save"),
    "photo": ("拍照或选择照片", "Take or choose a photo"),
    "photo_ready": ("照片已压缩：{kb} KB", "Photo reduced to {kb} KB"),
    "locating": ("正在定位…", "Locating…"),
    "located": ("位置：{grid}", "Position: {grid}"),
    "outside": ("该位置不在本区网格内，请在地图上拖动标记", "This position is outside the district: drag the marker"),
    "no_position": ("无法定位，请在地图上点选位置", "No position: tap the map to set one"),
    "drag_hint": ("可拖动标记修正位置", "Drag the marker to correct the position"),
    "category": ("问题类别", "Category"),
    "category_unknown": ("不确定（由指挥中心判断）", "Not sure (the center decides)"),
    "suggested": ("建议：", "Suggested: "),
    "description": ("问题描述", "Description"),
    "submit": ("提交", "Submit"),
    "sending": ("正在提交…", "Sending…"),
    "duplicates": ("附近已有相同问题在办理：", "Already reported nearby:"),
    "follow": ("关注此事件", "Follow this case"),
    "report_anyway": ("仍然上报", "Report anyway"),
    "done": ("已提交，事件编号 {number}", "Sent: case {number}"),
    "followed": ("已关注事件 {number}，办结时会通知您", "Following case {number}: you will be told when it closes"),
    "error": ("提交失败：{message}", "Not sent: {message}"),
    "need_position": ("请先确定位置", "Set a position first"),
    "need_what": ("请选择类别或填写描述", "Choose a category or describe the problem"),
}


def strings(lang: str) -> dict[str, str]:
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in _S.items()}
