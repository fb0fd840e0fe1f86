"""The partial indexes read live spell the rules they serve: running cases (is_overdue), unanswered lead
dispatches (answer_due)."""

import re

from geo.db.models import RUNNING_CASES
from geo.db.rules import RUNNING
from geo.domain.vocabulary import OPEN_STATUSES, Status


def test_the_running_index_holds_the_open_statuses_but_deferred():
    assert sorted(re.findall(r"'(\w+)'", RUNNING_CASES)) == RUNNING
    assert set(RUNNING) == {str(s) for s in OPEN_STATUSES} - {str(Status.DEFERRED)}


def test_the_unanswered_index_is_the_answer_due_rule():
    from geo.db.models import ANSWER_DUE
    from geo.db.rules import answer_due

    spelled = str(answer_due().compile(compile_kwargs={"literal_binds": True})).replace("case_dispatches.", "")
    assert spelled == ANSWER_DUE
