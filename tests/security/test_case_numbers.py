"""Case numbers under concurrent intake: three writers, each on its own engine, report cases received in the
same second. Every report succeeds and every number is unique. Before the counter, numbers were the second
plus four random digits: 360 cases of one second clashed by the birthday rule and the intake failed with an
unhandled duplicate key."""

import threading

from sqlalchemy import func, select

from geo.db.database import Database
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.intake import NewCase, report_case
from tests.integration.factories import T0, X0, Y0, add_layout, square

WRITERS, EACH = 3, 120


def _reporter(url: str, errors: list) -> None:
    db = Database(url)
    try:
        for _ in range(EACH):
            with db.transaction() as s:
                report_case(s, NewCase("hotline_12345", X0 + 0.0005, Y0 + 0.0005, reported_at=T0),
                            Actor("12345 热线", Role.SUPERVISOR))
    except Exception as exc:  # noqa: BLE001 - the test reports whatever a writer hit
        errors.append(exc)
    finally:
        db.dispose()


def test_concurrent_reports_of_one_second_all_get_distinct_numbers(db):
    with db.transaction() as s:
        add_layout(s, {"A": square(0, 0)})
    errors: list[Exception] = []
    threads = [threading.Thread(target=_reporter, args=(db.url, errors)) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with db.session() as s:
        numbers = s.scalars(select(Case.number)).all()
        assert s.scalar(select(func.count(func.distinct(Case.number)))) == WRITERS * EACH
    assert sorted(numbers) == [f"GG20260302{n:06d}" for n in range(1, WRITERS * EACH + 1)]
