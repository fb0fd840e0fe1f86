"""What GridGov says about a case event (geo.domain.event_notes' keys), one sentence per key, and the words of
its parameters; keys prefixed note_."""

_S = {
    "reported": ("坐标系 {datum}{placed}", "datum {datum}{placed}"),
    "imported": ("导入自 {source}，{by}{placed}", "imported from {source}, {by}{placed}"),
    "triaged": ("分级：{tier}", "tier: {tier}"),
    "whistled": ("牵头：{lead}{co}", "lead: {lead}{co}"),
    "whistled_co": ("；协办：{names}", "; co: {names}"),
    "recategorised": ("类别 {old} → {new}；{route}", "category {old} → {new}; {route}"),
    "route_manual": ("无对应部门，转人工派遣", "no route: the manual queue"),
    "route_lead": ("按类别派往 {lead}{co}", "routes to {lead}{co}"),
    "rated": ("评价：{rating}", "rating: {rating}"),
    "bundled": ("并入打包 #{bundle_id}「{title}」", "bundled as #{bundle_id} “{title}”"),
    "regridded": ("网格 {old} → {new}", "grid {old} → {new}"),
    "reported_by_address": ("按地址定位{placed}", "placed by address{placed}"),
    "merged": ("与 {into} 重复，已并入该事件", "a duplicate of {into}, merged into it"),
    "merged_in": ("重复事件 {duplicate} 已并入", "duplicate {duplicate} merged in"),
    "followed": ("又有居民反映（{source}）", "another reporter ({source})"),
    "photo": ("{kind}照片 {width}×{height}", "{kind} photo {width}×{height}"),
    "photo_before": ("处置前", "before"),
    "photo_after": ("处置后", "after"),
    "by_coordinates": ("按坐标定位", "placed by coordinates"),
    "by_address": ("按地址定位", "placed by address"),
    "by_": ("无坐标且地址未匹配", "no coordinates, address not matched"),
    "unassigned": ("，不在任何网格内（待人工定位）", ", outside every grid (manual placement)"),
    "snapped": ("，已吸附到最近网格", ", snapped to the nearest grid"),
    "near_boundary": ("，靠近网格边界", ", near a grid boundary"),
    "list_sep": ("、", ", "),
}

STRINGS = {f"note_{key}": {"zh": zh, "en": en} for key, (zh, en) in _S.items()}
