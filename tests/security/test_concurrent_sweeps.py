"""Two ``gridgov sweep --deliver`` at once (cron overlapping a slow run), each on its own engine, against a
real database file and PostGIS: every reminder is sent once, and the counts the two print add up to what was
sent. Before the claim column, both SQLite senders read the same undelivered rows and sent them all twice."""

import re
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cli import main
from geo.db.models import CaseDispatch, Notification
from geo.usecases import notify
from tests.integration.factories import add_case, add_departments_and_category



class MeetingNotifier:
    """Records what it sends; each sender's first message waits (briefly) for the other sender to be sending
    too, so the race of two overlapping runs happens every time instead of now and then."""

    def __init__(self):
        self.sent, self._lock, self._meet = [], threading.Lock(), threading.Barrier(2)

    def send(self, message: dict) -> None:
        try:
            self._meet.wait(timeout=0.3)
        except threading.BrokenBarrierError:
            pass  # the other sender had nothing to send (it lost every claim): carry on alone
        with self._lock:
            self.sent.append(message["notification_id"])


def _whistled_cases(db, n: int) -> None:
    whistled = datetime.now(UTC) - timedelta(hours=16)  # every level due: 4 reminders per dispatch
    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        for i in range(n):
            case = add_case(s, category, number=f"C{i}")
            s.add(CaseDispatch(case_id=case.id, department_id=departments["SZ"].id, role="lead",
                               whistled_at=whistled))


def _two_sweeps_at_once(monkeypatch, url: str) -> MeetingNotifier:
    notifier = MeetingNotifier()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(notify.LogNotifier, "send", lambda self, message: notifier.send(message))
    codes = []
    threads = [threading.Thread(target=lambda: codes.append(main(["sweep", "--deliver"]))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [0, 0]
    return notifier


def test_two_sweeps_with_delivery_at_once_send_each_reminder_once(db, monkeypatch, capsys):
    _whistled_cases(db, 5)
    notifier = _two_sweeps_at_once(monkeypatch, db.url)
    out = capsys.readouterr().out
    with db.session() as s:
        written = s.scalar(select(func.count()).select_from(Notification))
        undelivered = s.scalar(select(func.count()).select_from(Notification)
                               .where(Notification.delivered_at.is_(None)))
    assert written == 20 and undelivered == 0
    assert sorted(notifier.sent) == sorted(set(notifier.sent)) and len(notifier.sent) == 20
    assert sum(int(n) for n in re.findall(r"sweep: (\d+) new", out)) == 20  # neither sweep counts the other's
    assert sum(int(n) for n in re.findall(r"delivered (\d+)", out)) == 20  # nor claims the other's deliveries
