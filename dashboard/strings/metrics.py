"""The definition of every rate, shown as the tooltip of each tile and column that shows one (docs/metrics.md
says the same at length; geo.domain.rules / geo.db.rules compute them). Keys: rate_help_<rate>."""

_S = {
    "closure_rate": (
        "办结率 = 已办结 ÷ 应办。应办 = 受理 − 不予受理 − 缓办中（缓办暂停计时，不计入）。在办事件也计入应办。",
        "Closure rate = closed ÷ due. Due = received − rejected − deferred now (a deferral pauses the clock, so "
        "deferred cases are left out). Open cases count as due."),
    "on_time_answer_rate": (
        "按期处置率 = 在办理时限内处置完毕的事件 ÷ 应办。处置完毕：牵头部门答卷（社区自办事件：办结）；"
        "办理时限：类别时限（按工作日历）或受理时约定的时限。",
        "On-time answer = cases handled by their deadline ÷ due. Handled: the lead department answered (a case the "
        "community solves itself: closed); deadline: the category's time limit on the work calendar, or the one "
        "agreed at triage."),
    "on_time_closure_rate": (
        "按期办结率 = 已办结且在办理时限内处置完毕的事件 ÷ 应办。中心核查、结案所用时间不计入部门的办理时限。",
        "On-time closure = cases closed whose handling met the deadline ÷ due. The center's verification before "
        "closing does not count against the department's deadline."),
    "report_in_on_time_rate": (
        "按时应哨率 = 吹哨后 {yellow} 小时内（黄牌前）应哨的派单 ÷ 已有结论的派单（已应哨，或已满 {yellow} 小时仍未应哨）。",
        "Report-in on time = dispatches reported in within {yellow} h of the whistle (before the yellow card) ÷ "
        "dispatches whose outcome is known (reported in, or not reported in and already {yellow} h old)."),
    "satisfaction_rate": (
        "满意率 =（满意 + 基本满意）÷ 已评价事件（以最近一次评价为准）。",
        "Satisfaction = (satisfied + basically satisfied) ÷ rated cases (each with its latest rating)."),
    "rework_rate": (
        "返工率 = 至少返工过一次的事件 ÷（已办结 + 返工中）。",
        "Rework = cases sent back for rework at least once ÷ (closed + in rework now)."),
}
_OVERVIEW = {
    "overview_due_note": (
        "办结率按应办计算：受理 {received:,} − 不予受理与缓办中 {excluded:,} = 应办 {due:,}，其中已办结 {closed:,}。",
        "Closure is measured against due cases: received {received:,} − rejected and deferred {excluded:,} = "
        "due {due:,}, of which closed {closed:,}."),
}

STRINGS = {f"rate_help_{key}": {"zh": zh, "en": en} for key, (zh, en) in _S.items()} | {
    key: {"zh": zh, "en": en} for key, (zh, en) in _OVERVIEW.items()}
