"""The resident's rating link in the case panel (AppTest on the case map, sample copy): a closed case shows
its link and QR code to the center; an open case and roles that may not rate show nothing."""

from datetime import UTC, datetime

from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.case_actions import perform
from tests.e2e.test_case_map_page import ANALYST, click_case, open_page

LINK_BOX = "case_map_rating_link"


def _closed_case(url: str) -> str:
    db = Database(url)
    with db.transaction() as s:
        case = s.scalars(select(Case).where(Case.status == "answered").order_by(Case.id)).first()
        perform(s, case.id, "close", Actor("值班长", Role.SUPERVISOR), case.version, datetime.now(UTC))
        number = case.number
    db.dispose()
    return number


def _link_texts(at) -> list[str]:
    return [c.value for c in at.code if "/rate/" in c.value]


def test_a_closed_case_shows_its_rating_link_and_qr_code_to_the_center_only(maps, sample_url):
    number = _closed_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    links = _link_texts(at)
    assert len(links) == 1 and "/rate/" in links[0]
    assert any("居民评价链接" in m.value for m in at.markdown)
    assert at.get("download_button")[0].proto.label == "下载二维码 (SVG)"
    assert _link_texts(click_case(open_page(maps, sample_url, ANALYST), number)) == []  # may not rate
    db = Database(sample_url)
    with db.session() as s:
        still_open = s.scalar(select(Case.number).where(Case.status == "reported").order_by(Case.id))
    db.dispose()
    assert _link_texts(click_case(open_page(maps, sample_url), still_open)) == []
