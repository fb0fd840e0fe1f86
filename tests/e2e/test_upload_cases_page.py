"""The case-import page through AppTest: a GBK hotline export previewed row by row, a column re-mapped,
imported, and imported again (nothing added). AppTest cannot drive the file uploader: the saved upload's
path is put in session state, exactly where the uploader's callback puts it."""

import html
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.models import Case
from geo.db.schema import upgrade
from tests.e2e.signin import ANALYST, signed_in
from tests.integration.factories import STEP, X0, Y0, add_departments_and_category, add_layout, square

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "views" / "upload_cases.py")
EXPORT = "\n".join([
    "工单编号,诉求内容,事件类型,来源,经度,纬度,事发地址,受理时间,状态,办结时间,备注时间",
    f"A1,井盖缺失,井盖缺失破损,12345,{X0 + 0.0005:.4f},{Y0 + 0.0005:.4f},,2026-03-05 14:30,处理中,,2026-03-05",
    f"A2,井盖破损,JG,小程序,{X0 + STEP + 0.0005:.4f},{Y0 + 0.0005:.4f},,2026/3/5 15:00,已办结,2026/3/6 09:00,",
    "A3,路灯不亮,JG,12345,,,幸福路9号,2026-03-05 16:00,,,",
    "A4,井盖缺失,JG,12345,abc,39.67,,2026-03-05 16:00,,,",
]) + "\n"


@pytest.fixture
def small_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'small.db'}"
    db = Database(url)
    upgrade(db)
    with db.transaction() as session:
        add_layout(session, {"G00": square(0, 0), "G10": square(1, 0)})
        add_departments_and_category(session)
    db.dispose()
    return url


@pytest.fixture
def page_on(monkeypatch, tmp_path):
    def run(url: str, upload: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
        from dashboard.data import database

        database.clear()
        at = signed_in(AppTest.from_file(PAGE, default_timeout=120), ANALYST)
        at.session_state["upload_cases_file"] = upload
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def export(tmp_path) -> str:
    path = tmp_path / "12345导出.csv"
    path.write_bytes(EXPORT.encode("gbk"))
    return str(path)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def case_count(url: str) -> int:
    db = Database(url)
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Case))
    db.dispose()
    return count


def test_a_gbk_export_previews_row_by_row_with_detected_columns(page_on, small_db, tmp_path):
    at = page_on(small_db, export(tmp_path))
    assert at.success[0].value == "可以导入：请检查预览后确认。"
    assert at.caption[1].value.startswith("识别编码：GBK（不是有效的 UTF-8（偏移 0 处的字节 0xb9）")
    assert metrics(at) == {"总行数": "4", "将导入": "3", "重复跳过": "0", "拒绝": "1", "按坐标定位": "2",
                           "按地址定位": "0", "待人工定位": "1", "无坐标": "1", "辖区外": "0", "办结早于上报": "0",
                           "待确认用词": "0"}
    assert at.selectbox(key="upload_cases_role_reported_at").value == "受理时间"
    rows = at.dataframe[1].value
    assert rows["结果"].tolist() == ["将导入", "将导入", "将导入", "拒绝"]
    assert rows["定位方式"].tolist() == ["坐标", "坐标", "待人工定位", ""]
    assert rows["网格"].tolist()[:2] == ["G00", "G10"]
    assert rows["说明"].iloc[3] == "坐标不是数字：经度 'abc'，纬度 '39.67'"  # translated on the page
    assert case_count(small_db) == 0  # a preview writes nothing


def test_remapping_a_column_in_the_form_previews_again(page_on, small_db, tmp_path):
    at = page_on(small_db, export(tmp_path))
    at.selectbox(key="upload_cases_role_reported_at").set_value("备注时间")
    at.button[0].click().run()
    assert (metrics(at)["拒绝"], metrics(at)["将导入"]) == ("3", "1")  # 备注时间 is empty but on row 2
    assert at.dataframe[2].value["说明"].iloc[0] == "3 行（3, 4, 5 …）：没有上报时间（备注时间 为空）"  # grouped


def test_importing_from_the_page_then_again_adds_nothing(page_on, small_db, tmp_path):
    at = page_on(small_db, export(tmp_path))
    at.button(key="upload_cases_apply_button").click().run()
    assert at.success[0].value == "已导入 3 条事件。"
    assert case_count(small_db) == 3
    assert "upload_cases_file" not in at.session_state  # the import is done: the page waits for a new file
    at.session_state["upload_cases_file"] = export(tmp_path)  # the same export, uploaded again
    at.run()
    assert metrics(at)["重复跳过"] == "3" and metrics(at)["将导入"] == "0"
    assert at.button(key="upload_cases_apply_button").disabled


def test_an_imported_upload_is_removed_from_the_server(page_on, small_db, tmp_path):
    upload = tmp_path / "uploads" / "session-1" / "12345导出.csv"  # where the page saves uploads
    upload.parent.mkdir(parents=True)
    upload.write_bytes(EXPORT.encode("gbk"))
    at = page_on(small_db, str(upload))
    at.button(key="upload_cases_apply_button").click().run()
    assert at.success[0].value == "已导入 3 条事件。"
    assert not upload.exists() and not upload.parent.exists()


def test_a_refused_upload_is_removed_from_the_server_and_the_refusal_shown(page_on, small_db, tmp_path):
    upload = tmp_path / "uploads" / "session-2" / "old.xls"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    at = page_on(small_db, str(upload))
    assert not upload.exists()
    at.run()
    assert "Excel 97" in at.error[0].value and "upload_cases_file" not in at.session_state


@pytest.mark.browser
def test_the_page_in_a_browser_uploads_a_gbk_export_and_shows_the_preview(streamlit_server, page,
                                                                           sample_sqlite_copy, tmp_path):
    """The real uploader, on a copy of the sample district; the screenshot is test-artifacts/upload_cases.png."""
    import sys

    from tests.e2e.browser import save_screenshot, sign_in

    sys.path.insert(0, str(Path(PAGE).parents[2] / "bench"))
    from import_cases import export_frame

    url = sample_sqlite_copy
    db = Database(url)
    frame = export_frame(db, 300, seed=7)
    db.dispose()
    frame.loc[[3, 8], "受理时间"] = ["昨天下午", "2026-02-30 10:00"]
    frame.loc[12, "事件类型"] = "飞机噪音"
    frame.loc[15, "经度"] = "106.8l"
    frame.loc[20:21, "工单编号"] = frame.loc[19, "工单编号"]
    export = tmp_path / "12345热线导出.csv"
    frame.to_csv(export, index=False, encoding="gbk")
    server = streamlit_server("dashboard/app.py", env={"DATABASE_URL": url, "GRIDGOV_DATA_DIR": str(tmp_path)})
    sign_in(page, server.url + "/upload_cases", "analyst")
    page.locator('input[type="file"]').set_input_files(str(export))
    page.get_by_text("逐行预览").first.wait_for(timeout=60_000)
    page.get_by_label("坐标系").get_by_text("GCJ-02").click()
    page.get_by_text("按坐标定位").first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    assert page.get_by_text("“飞机噪音”（1 行）").count() == 1  # asked once, 待分类 preselected
    assert not page.get_by_role("button", name="确认导入").is_enabled()
    page.get_by_role("button", name="按此设置重新预览").last.click()
    page.get_by_text("可以导入：请检查预览后确认。").wait_for(timeout=60_000)
    save_screenshot(page, "upload_cases", full_page=False)
    assert page.get_by_text("识别编码：GBK").count() == 1
    assert page.get_by_role("button", name="确认导入").is_enabled()


def test_an_unknown_category_is_mapped_on_the_page_and_the_row_is_then_imported(page_on, small_db, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT.replace("A2,井盖破损,JG", "A2,井盖破损,井盖问题"), encoding="utf-8")
    at = page_on(small_db, str(path))
    assert metrics(at)["拒绝"] == "2"
    category = at.selectbox(key="upload_cases_category_0")
    assert category.label == "“井盖问题”（1 行）" and category.options[1] == "JG 井盖缺失破损"
    category.set_value("JG")
    at.button(key="FormSubmitter:upload_cases_category_form-按此设置重新预览").click().run()
    assert metrics(at)["拒绝"] == "1" and metrics(at)["将导入"] == "3"


def test_a_us_311_export_asks_each_word_once_on_the_page_as_the_cli_does(page_on, small_db, tmp_path):
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from loaders.case_import import CaseImportSpec, run_case_import
    from tests.case_files import write_us_311

    path = write_us_311(tmp_path / "311.csv", 120)
    db = Database(small_db)
    cli = run_case_import(path, CaseImportSpec(), db, apply=False, actor=Actor("cli", Role.ANALYST))
    db.dispose()
    at = page_on(small_db, str(path))
    assert at.warning[0].value == "需要您做出选择后才能导入。"
    asked = [s.label for s in at.selectbox if s.key.startswith(
        ("upload_cases_category_", "upload_cases_status_", "upload_cases_source_"))]
    cli_asked = [q.key.split(":", 1)[1] for q in cli.questions]
    assert len(cli_asked) == 16  # 12 categories, Pending, 3 channel words: each once
    assert [label.split("“")[1].split("”")[0] for label in asked] == cli_asked
    status = at.selectbox(key="upload_cases_status_0")
    assert status.label == "状态“Pending”（40 行）" and status.value == "待分类"
    assert at.selectbox(key="upload_cases_category_0").options[-1] == "待分类：不设类型，由中心分拨"
    at.selectbox(key="upload_cases_category_0").set_value("JG")
    at.button(key="FormSubmitter:upload_cases_category_form-按此设置重新预览").click().run()
    assert at.success[0].value == "可以导入：请检查预览后确认。"
    figures = metrics(at)
    assert (figures["无坐标"], figures["辖区外"], figures["办结早于上报"], figures["待确认用词"]) == ("9", "3", "2", "0")
    assert case_count(small_db) == 0


def test_dates_that_do_not_tell_day_from_month_are_asked_on_the_page(page_on, small_db, tmp_path):
    from tests.case_files import CATEGORIES, write_us_311

    path = tmp_path / "311.csv"
    write_us_311(path, 12)
    at = page_on(small_db, str(path))
    warnings = [html.unescape(w.value) for w in at.warning]  # data in messages arrives escaped (dashboard.markup)
    assert any(w.startswith("'01/06/2018 10:18:29 AM' 这类日期把日和月写在年份之前") for w in warnings)
    at.selectbox(key="upload_cases_time_order").set_value("day-first").run()
    assert not any(html.unescape(w.value).startswith("'01/06/2018") for w in at.warning)
    assert len([s for s in at.selectbox if s.key.startswith("upload_cases_category_")]) == len(CATEGORIES)
