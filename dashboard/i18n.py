"""UI strings: Simplified Chinese by default, English on the sidebar switch."""

from __future__ import annotations

import streamlit as st

LANGUAGES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "GridGov 网格化社会治理", "en": "GridGov grid governance"},
    "overview": {"zh": "总览", "en": "Overview"},
    "case_map": {"zh": "事件地图", "en": "Case map"},
    "hotspots": {"zh": "热点分析", "en": "Hotspots"},
    "grid_load": {"zh": "网格负荷", "en": "Grid load"},
    "department_load": {"zh": "部门绩效", "en": "Department load"},
    "upload_layers": {"zh": "图层导入", "en": "Layer upload"},
    "upload_cases": {"zh": "事件导入", "en": "Case import"},
    "big_screen": {"zh": "指挥大屏", "en": "Big screen"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "received": {"zh": "受理事件", "en": "Received"},
    "closed": {"zh": "已办结", "en": "Closed"},
    "closure_rate": {"zh": "办结率", "en": "Closure rate"},
    "satisfaction_rate": {"zh": "满意率", "en": "Satisfaction rate"},
    "open": {"zh": "在办", "en": "Open"},
    "overdue": {"zh": "超期", "en": "Overdue"},
    "open_by_grid": {"zh": "各网格在办事件", "en": "Open cases per grid"},
    "grid": {"zh": "网格", "en": "Grid"},
    "open_cases": {"zh": "在办事件数", "en": "Open cases"},
    "no_layout": {"zh": "尚未加载网格图层。请运行 gridgov load-sample 或导入网格。",
                  "en": "No grid layout loaded yet. Run gridgov load-sample or import a grid layer."},
    "layout": {"zh": "网格版本", "en": "Grid layout"},
    "grids_count": {"zh": "网格数", "en": "Grids"},
    "data_as_of": {"zh": "数据时间", "en": "Data as of"},
}


def _merge_page_strings() -> None:
    """Each page may keep its strings in dashboard/strings/<page>.py as ``STRINGS = {key: {"zh":…, "en":…}}``."""
    import importlib
    import pkgutil

    from dashboard import strings

    for module in pkgutil.iter_modules(strings.__path__):
        extra = importlib.import_module(f"dashboard.strings.{module.name}").STRINGS
        clashes = set(extra) & set(STRINGS)
        if clashes:
            raise ValueError(f"dashboard/strings/{module.name}.py redefines {sorted(clashes)}")
        STRINGS.update(extra)


_merge_page_strings()


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(key: str) -> str:
    """The UI string for ``key`` in the current language (the key itself if it has no translation)."""
    return text_in(lang(), key)


def text_in(language: str, key: str) -> str:
    """The UI string for ``key`` in ``language``, outside a Streamlit page (our own HTTP pages)."""
    return STRINGS.get(key, {}).get(language, key)


def say(key: str, params: dict, fallback: str = "") -> str:
    """An import message (``loaders.import_messages``: a key with parameters) in the current language; the
    report's English ``fallback`` for a message without a key."""
    from loaders.import_messages import render

    if not key or f"import_{key}" not in STRINGS:
        return fallback
    return render(key, params, lambda k: t(f"import_{k}"))


def say_problem(problem) -> str:
    """A problem of an import report in the current language, with the row(s) it stands for in front."""
    text = say(problem.msg, problem.params, problem.message)
    if not problem.msg or not problem.rows or problem.msg == "more_rows":
        return text
    if problem.count == 1:
        return t("import_at_row").format(row=problem.rows[0], problem=text)
    return t("import_at_rows").format(n=problem.count, rows=", ".join(map(str, problem.rows)), problem=text)


def language_switch() -> None:
    st.sidebar.radio(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
