"""The 热心人 page through Streamlit's AppTest on a private copy of the sample with its community forces: a
community sees its own registry masked and a reveal is audited; the whole needs-list loop runs through the
page's widgets (publish from a case, assign two from the suggestions, record both parts, close the case)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit_folium
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.models import AuditEntry, Case, Community, Volunteer, VolunteerTask
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.read.volunteer_tasks import suggest_volunteers
from samples.volunteers import load_sample_forces
from tests.e2e.signin import signed_in

PAGE = Path(__file__).resolve().parents[2] / "dashboard" / "views" / "volunteers.py"


@pytest.fixture
def forces_url(sample_url):
    db = Database(sample_url)
    load_sample_forces(db, datetime.now(UTC))
    with db.session() as s:
        first = s.scalar(select(Community.id).order_by(Community.code))
    db.dispose()
    return sample_url, first


def _page(monkeypatch, actor: Actor) -> AppTest:
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *args, **kwargs: {})
    at = AppTest.from_string(
        "import runpy\nfrom dashboard.i18n import language_switch\nlanguage_switch()\n"
        f"runpy.run_path({str(PAGE)!r}, run_name='__main__')\n", default_timeout=180)
    signed_in(at, actor).run()
    assert not at.exception, at.exception
    return at


def _read(url, query):
    db = Database(url)
    try:
        with db.session() as s:
            return query(s)
    finally:
        db.dispose()


def test_a_community_sees_its_registry_masked_and_a_reveal_is_audited(forces_url, monkeypatch):
    url, community_id = forces_url
    at = _page(monkeypatch, Actor("社区工作人员", Role.COMMUNITY, community_id=community_id))
    registry = next(d.value for d in at.dataframe if "joined_at" in d.value.columns)
    own = _read(url, lambda s: s.scalar(select(func.count()).where(Volunteer.community_id == community_id)))
    assert len(registry) == own and registry["name"].str.contains(r"\*").all()
    assert registry["phone"].str.contains(r"\*\*\*\*").all()
    picker = at.selectbox(key="vol_registry_pick")
    picker.set_value(picker.options[1]).run()
    at.button(key=next(b.key for b in at.button if (b.key or "").startswith("vol_reveal_"))).click().run()
    assert any("审计" in c.value and "*" not in c.value for c in at.caption)
    assert _read(url, lambda s: s.scalar(select(func.count()).where(AuditEntry.action == "reveal_personal"))) == 1


def test_the_needs_list_loop_runs_through_the_page(forces_url, monkeypatch):
    url, community_id = forces_url
    actor = Actor("社区工作人员", Role.COMMUNITY, community_id=community_id)
    at = _page(monkeypatch, actor)
    case_label = at.selectbox(key="vol_pub_case").value
    at.button(key="vol_pub_go").click().run()
    task = _read(url, lambda s: s.scalars(select(VolunteerTask).order_by(VolunteerTask.id.desc())).first())
    assert at.selectbox(key="vol_task_selected").value == task.id
    best = _read(url, lambda s: suggest_volunteers(s, task.id, actor, datetime.now(UTC))["volunteer_id"][:2])
    at.multiselect(key=f"vol_choose_{task.id}").set_value([int(v) for v in best]).run()
    at.button(key=f"vol_assign_{task.id}").click().run()
    assert "已指派 2 名热心人" in at.success[0].value
    for _ in range(2):
        at.button(key=f"vol_record_{task.id}").click().run()
    at.button(key=f"vol_close_{task.id}").click().run()
    assert "已办结" in at.success[0].value
    status = _read(url, lambda s: s.scalar(select(Case.status).where(Case.id == task.case_id)))
    assert status == "closed" and case_label is not None


def test_a_refused_publish_says_why_at_once_and_publishes_nothing(forces_url, monkeypatch):
    url, community_id = forces_url
    at = _page(monkeypatch, Actor("社区工作人员", Role.COMMUNITY, community_id=community_id))
    before = _read(url, lambda s: s.scalar(select(func.count()).select_from(VolunteerTask)))
    title = next(w for w in at.text_input if (w.key or "").startswith("vol_pub_title_"))
    title.set_value("   ").run()
    at.button(key="vol_pub_go").click().run()
    assert not at.exception, at.exception
    assert any("标题" in e.value or "title" in e.value for e in at.error), [e.value for e in at.error]
    assert _read(url, lambda s: s.scalar(select(func.count()).select_from(VolunteerTask))) == before
