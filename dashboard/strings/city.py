"""Strings of the city level (districts above the streets), shared by every page that offers it."""

STRINGS = {
    "city_district": {"zh": "区/县", "en": "District"},
    "city_whole_city": {"zh": "全市", "en": "Whole city"},
    "city_your_district": {"zh": "本账号所属区/县", "en": "Your account's district"},
    "gl_by_city_district": {"zh": "各区/县", "en": "Districts"},
    "big_screen_unknown_district": {"zh": "没有代码为 {code} 的区/县。", "en": "No district with code {code}."},
    "big_screen_not_your_district": {"zh": "本账号只能查看所属区/县的大屏。",
                                     "en": "This account may show only its own district."},
    "hs_inference_permutation": {"zh": "显著性：9999 次条件置换检验", "en": "significance: 9,999 conditional permutations"},
    "hs_inference_analytic": {"zh": "显著性：解析正态检验（单元过多，置换检验过慢）",
                              "en": "significance: analytic normal test (too many units to permute)"},
    "hs_map_top": {"zh": "地图显示最突出的 {shown:,} 个网格（共 {total:,} 个），选择区/县可查看全部",
                   "en": "the map shows the {shown:,} most telling of {total:,} grids; pick a district for all"},
    "city_grids_narrow_first": {"zh": "先选择区/县或街道", "en": "pick a district or street first"},
    "city_pick_district_for_grids": {"zh": "全市网格按区/县列出：请选择一个区/县（或在上表中点击）。",
                                     "en": "A city's grids are listed district by district: pick a district (or click one above)."},
    "city_level_district": {"zh": "按区/县汇总 — 放大查看街道和网格", "en": "per district — zoom in for streets and grids"},
    "city_level_street": {"zh": "按街道汇总 — 放大查看网格", "en": "per street — zoom in for grids"},
    "city_level_grid": {"zh": "按网格", "en": "per grid"},
    "vol_coverage_city": {"zh": "网格超过 {n:,} 个：不绘制覆盖地图（上表列出各街道、社区的情况）。",
                          "en": "More than {n:,} grids: no coverage map (the tables above list each street and "
                                "community)."},
}
