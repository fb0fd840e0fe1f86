"""The big screen through Streamlit's AppTest: on the sample district, on an empty database, and with the
database out of reach (warning, last good figures kept, recovery on the next refresh)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.schema import upgrade
from tests.e2e.signin import SCREEN, signed_in

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "views" / "big_screen.py")
UNREACHABLE = "postgresql+psycopg://gridgov:gridgov@127.0.0.1:1/nowhere"  # nothing listens on port 1


@pytest.fixture
def screen(monkeypatch):
    """Runs the page on a database URL; AppTest cannot draw the streamlit-folium map, so it is stubbed."""
    monkeypatch.setattr("streamlit_folium.st_folium", lambda *args, **kwargs: None)

    def run(url: str, at: AppTest | None = None) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        from dashboard.data import database

        database.clear()
        at = at or signed_in(AppTest.from_file(PAGE, default_timeout=60), SCREEN)
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def html_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_screen_shows_the_sample_districts_tiles_and_panels(screen, sample_databases):
    page = html_of(screen(sample_databases.get("sqlite").url))
    assert 'data-testid="gg-tile-open"' in page and "在办事件" in page
    assert "数据时间" in page and ">--:--</b>" not in page
    assert page.count('data-testid="gg-feed-case"') == 7
    assert "部门排名" in page and "事件类别" in page and "高发共性问题" in page and "<svg" in page
    assert "gg-db-down" not in page


def test_the_screen_never_shows_reporters(screen, sample_databases):
    from sqlalchemy import select

    from geo.db.models import Case

    db = sample_databases.get("sqlite")
    with db.session() as s:
        names = [
            n for n in s.scalars(select(Case.reporter_name).order_by(Case.reported_at.desc()).limit(50)) if n
        ]
    page = html_of(screen(db.url))
    assert names and not [n for n in names if n in page]


def test_an_empty_database_shows_zeros_and_says_no_layout(screen, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(Database(url))
    page = html_of(screen(url))
    assert (
        'data-testid="gg-tile-today"><div class="gg-tile-label">今日受理</div><div class="gg-tile-value">0<'
        in page
    )
    assert "尚未加载网格图层" in page and "暂无" in page


def test_an_unreachable_database_shows_a_warning_instead_of_a_traceback(screen):
    page = html_of(screen(UNREACHABLE))
    assert 'data-testid="gg-db-down"' in page and "数据库连接中断" in page


def test_a_lost_database_keeps_the_last_figures_and_recovers(screen, sample_databases):
    url = sample_databases.get("sqlite").url
    at = screen(url)
    tiles = html_of(at).split('data-testid="gg-tile-open"')[1][:120]
    lost = html_of(screen(UNREACHABLE, at))
    assert "数据库连接中断 — 显示的是" in lost and tiles in lost
    back = html_of(screen(url, at))
    assert "gg-db-down" not in back and tiles in back


def test_a_bad_refresh_setting_is_reported_on_the_page(screen, monkeypatch, sample_databases):
    monkeypatch.setenv("GRIDGOV_SCREEN_REFRESH_S", "often")
    at = signed_in(AppTest.from_file(PAGE, default_timeout=60), SCREEN)
    at.run()
    assert "GRIDGOV_SCREEN_REFRESH_S must be a number of seconds, got 'often'" in at.error[0].value
