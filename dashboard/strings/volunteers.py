"""Strings of the community-forces page (热心人: registry, needs list, points), its panels on the load pages and
the big screen (keys prefixed vol_)."""

from geo.domain.volunteers import NAMES_ZH

_S = {
    "page": ("热心人", "Community forces"),
    "caption": ("热心人名册、需求清单（任务）与服务积分：按距离、技能、时间和轮换推荐热心人，完成后自动记积分。",
                "Volunteer registry, needs list and service points: volunteers suggested by distance, skills, "
                "availability and turn-taking; points credited on completion."),
    "tab_tasks": ("需求清单", "Needs list"), "tab_registry": ("热心人名册", "Registry"),
    "tab_points": ("积分", "Points"), "tab_figures": ("统计", "Figures"),
    "refused": ("操作未完成：", "Not done: "),
    "done": ("已完成。", "Done."),
    # publishing
    "publish": ("发布任务", "Publish a task"),
    "from_case": ("来自社区自办事件", "From a community-tier case"), "own_task": ("自主任务（巡查、活动、帮办）",
                                                                    "A task of its own (patrol, campaign, errand)"),
    "source": ("任务来源", "Source"),
    "case": ("事件", "Case"), "no_cases": ("当前没有可发布任务的社区自办事件。",
                                           "No open community-tier case is waiting for a task."),
    "kind": ("任务类型", "Kind"), "title": ("任务名称", "Title"), "description": ("任务说明", "Description"),
    "grid": ("地点（网格）", "Place (grid)"), "address": ("详细地址", "Address"),
    "day": ("日期", "Day"), "start": ("开始时间", "Starts"), "hours": ("时长（小时）", "Hours"),
    "headcount": ("需要人数", "Volunteers needed"), "skills": ("所需技能", "Skills needed"),
    "publish_button": ("发布", "Publish"), "published": ("已发布任务 {number}。", "Task {number} published."),
    # the list and one task
    "tasks": ("任务", "Tasks"), "status_filter": ("状态", "Status"),
    "pick_task": ("查看任务（推荐热心人、指派、办结）", "Task to open (suggestions, assigning, closing)"),
    "choose": ("选择要指派的热心人（按推荐顺序）", "Volunteers to assign (in the suggested order)"),
    "col_number": ("编号", "Number"), "col_community": ("社区", "Community"), "col_kind": ("类型", "Kind"),
    "col_title": ("名称", "Title"), "col_case": ("事件", "Case"), "col_starts": ("开始", "Starts"),
    "col_ends": ("结束", "Ends"), "col_headcount": ("需要", "Needed"), "col_on_task": ("已报名", "On it"),
    "col_done": ("已完成", "Done"), "col_status": ("状态", "Status"), "col_created": ("发布时间", "Published"),
    "on_task": ("参与热心人", "Volunteers on the task"), "nobody": ("还没有热心人。", "Nobody yet."),
    "col_name": ("姓名", "Name"), "col_how": ("方式", "How"), "col_assigned_at": ("加入时间", "Joined"),
    "col_done_at": ("完成时间", "Done at"), "col_note": ("说明", "Note"), "col_points": ("积分", "Points"),
    "col_photo": ("照片", "Photo"),
    "how_community": ("社区指派", "assigned"), "how_sign_up": ("本人报名", "signed up"),
    "suggested": ("推荐热心人（按距离、技能、时间、轮换综合排序）",
                  "Suggested volunteers (distance, skills, availability, turn-taking)"),
    "none_to_suggest": ("本社区没有其他可推荐的热心人。", "No other volunteer of the community to suggest."),
    "col_distance": ("距离（米）", "Distance (m)"), "col_skill_match": ("技能匹配", "Skill match"),
    "col_available": ("时间合适", "Available"), "col_load": ("近30天任务", "Tasks (30 d)"),
    "col_score": ("推荐分", "Score"), "col_skills": ("技能", "Skills"), "col_grid": ("网格", "Grid"),
    "assign": ("指派所选热心人", "Assign the selected volunteers"),
    "assigned": ("已指派 {n} 名热心人。", "{n} volunteer(s) assigned."),
    "record_for": ("代为登记完成", "Record completion for"), "record_button": ("登记完成", "Record"),
    "completed": ("已登记完成，记 {points} 分。", "Recorded: {points} points credited."),
    "close_case": ("任务已完成：办结事件 {number}", "Task done: close case {number}"),
    "close_note": ("热心人任务 {number} 已完成", "Volunteer task {number} done"),
    "case_closed": ("事件 {number} 已办结。", "Case {number} closed."),
    "cancel": ("撤销任务", "Withdraw the task"),
    "status_open": ("进行中", "open"), "status_done": ("已完成", "done"), "status_cancelled": ("已撤销", "withdrawn"),
    "status_active": ("进行中", "active"),
    "kind_case": ("事件处置", "case"), "kind_patrol": ("巡查", "patrol"), "kind_campaign": ("活动", "campaign"),
    "kind_errand": ("帮办", "errand"),
    # registry
    "community": ("社区", "Community"), "all_communities": ("全部社区", "All communities"),
    "registry_count": ("共 {n} 名热心人（姓名、电话已脱敏）", "{n} volunteers (names and phones masked)"),
    "col_phone": ("电话", "Phone"), "col_availability": ("服务时间", "Availability"), "col_active": ("在册", "Active"),
    "col_account": ("手机端账号", "Phone sign-in"), "col_tasks_done": ("完成任务", "Tasks done"),
    "col_balance": ("积分余额", "Balance"), "col_joined": ("登记时间", "Joined"), "col_street": ("街道", "Street"),
    "pick_volunteer": ("查看热心人", "Volunteer to open"),
    "reveal": ("查看完整姓名和电话", "Show the full name and phone"),
    "reveal_logged": ("本次查看已记入审计日志", "this reveal is recorded in the audit log"),
    "give_account": ("开通手机端账号", "Give a phone sign-in"), "username": ("用户名", "User name"),
    "password": ("初始密码（至少10位）", "Initial password (10 characters or more)"),
    "account_given": ("已开通账号 {username}。", "Sign-in {username} created."),
    "retire": ("移出名册", "Retire"), "reactivate": ("恢复在册", "Take back"),
    "add_one": ("登记热心人", "Register a volunteer"), "name": ("姓名", "Name"), "phone": ("手机", "Phone"),
    "availability": ("服务时间", "Availability"), "note": ("备注", "Note"),
    "home_grid": ("居住网格", "Home grid"), "register_button": ("登记", "Register"),
    "import": ("从表格导入名册", "Import a roster from a spreadsheet"),
    "import_help": ("CSV 或 Excel，列：姓名、手机、社区（可省略）、技能、服务时间、经度、纬度、网格、备注。",
                    "CSV or Excel with columns 姓名 (name), 手机 (phone), 社区 (community, optional), 技能 (skills), "
                    "服务时间 (availability), 经度/纬度 (lon/lat), 网格 (grid), 备注 (note)."),
    "preview": ("预览", "Preview"), "import_button": ("导入 {n} 名热心人", "Import {n} volunteers"),
    "import_counts": ("共 {rows} 行：可导入 {to_import}，已登记 {already_registered}，有问题 {rejected}",
                      "{rows} rows: {to_import} to import, {already_registered} registered already, "
                      "{rejected} with problems"),
    "imported": ("已导入 {n} 名热心人。", "{n} volunteers imported."),
    # points
    "volunteer": ("热心人", "Volunteer"), "balance": ("积分余额", "Balance"),
    "ledger": ("积分明细（只增不改）", "Points ledger (append-only)"), "no_entries": ("暂无积分记录。", "No entries yet."),
    "col_at": ("时间", "When"), "col_entry": ("类型", "Entry"), "col_task": ("任务", "Task"),
    "col_actor": ("记录人", "Recorded by"),
    "entry_task": ("服务", "service"), "entry_redeem": ("兑换", "redemption"),
    "redeem": ("登记积分兑换", "Record a redemption"), "redeem_points": ("兑换积分", "Points"),
    "redeem_note": ("兑换物品及商户", "What, and at which shop"), "redeem_button": ("登记兑换", "Record"),
    "redeemed": ("已登记兑换，余额 {balance} 分。", "Redemption recorded; balance {balance}."),
    # figures
    "ranking": ("本月热心人积分排行（各街道）", "This month's volunteer points ranking per street"),
    "col_rank": ("名次", "Rank"),
    "by_community": ("各社区任务（本月发布）", "Tasks per community (published this month)"),
    "by_street": ("各街道热心人（本月）", "Community forces per street (this month)"),
    "col_volunteers": ("在册热心人", "Volunteers"), "col_published": ("发布", "Published"),
    "col_open": ("进行中", "Open"), "col_turns": ("服务人次", "Turns"),
    "col_response": ("响应时长中位数（小时）", "Median response (h)"),
    "col_done_h": ("完成时长中位数（小时）", "Median to done (h)"),
    "coverage": ("热心人覆盖：各网格 500 米内居住的热心人数", "Coverage: volunteers living within 500 m of each grid"),
    "coverage_legend": ("500 米内热心人", "Volunteers within 500 m"),
    "uncovered": ("{n} 个网格 500 米内没有热心人。", "{n} grid(s) have no volunteer within 500 m."),
    "month": ("月份", "Month"),
    "section": ("热心人", "Community forces"),
    "phone_page": ("打开热心人手机页", "Open the volunteer phone page"),
    # the big screen (counts only)
    "screen_title": ("热心人（近{days}天）", "Community forces (last {days} days)"),
    "screen_volunteers": ("在册", "Registered"), "screen_serving": ("参与", "Serving"),
    "screen_open": ("进行中", "Open"), "screen_done": ("已完成", "Done"),
    "screen_turns": ("人次", "Turns"), "screen_points": ("积分", "Points"),
}

_VOCABULARY = {
    "skill": ("mediation", "electrical", "plumbing", "elderly_care", "legal", "patrol", "medical", "errands",
              "cleaning", "publicity"),
    "avail": ("weekday_day", "weekday_evening", "weekend", "anytime"),
}
_EN = {"elderly_care": "elderly care", "weekday_day": "weekday daytime", "weekday_evening": "weekday evening"}

STRINGS = {f"vol_{key}": {"zh": zh, "en": en} for key, (zh, en) in _S.items()}
STRINGS.update({f"vol_{prefix}_{code}": {"zh": NAMES_ZH[code], "en": _EN.get(code, code)}
                for prefix, codes in _VOCABULARY.items() for code in codes})
