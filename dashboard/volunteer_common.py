"""What the community-forces panels share: the outcome of the last action (shown once at the top), running a
use case with its refusal shown as a message (never a traceback), and codes and times in words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from geo.config import LOCAL_TZ
from geo.domain.volunteers import VolunteerInputError, split
from geo.domain.workflow import WorkflowError
from geo.usecases.accounts import AccountError

FLASH = "vol_flash"
_TZ = ZoneInfo(LOCAL_TZ)
REFUSALS = (VolunteerInputError, WorkflowError, PermissionError, LookupError, AccountError)


def show_flash() -> None:
    flash = st.session_state.pop(FLASH, None)
    if flash:
        getattr(st, flash[0])(flash[1])


def attempt(action: Callable[[], object], success: Callable[[object], str]) -> None:
    """Run a use case; its outcome (``success(result)``, or the refusal) is shown at the next run, which the
    caller starts at once (st.rerun) whatever the outcome — a refusal left for a later run is never seen."""
    try:
        result = action()
    except REFUSALS as exc:
        st.session_state[FLASH] = ("error", t("vol_refused") + str(exc))
        return
    st.session_state[FLASH] = ("success", success(result))


def codes_text(stored: str, prefix: str) -> str:
    """";"-separated codes as words, e.g. "patrol;electrical" → "治安巡逻、电工维修"."""
    return "、".join(t(f"vol_{prefix}_{code}") for code in sorted(split(stored)))


def local(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).tz_convert(_TZ).strftime("%m-%d %H:%M") if pd.Timestamp(value).tzinfo else str(value)


def local_times(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, utc=True).dt.tz_convert(_TZ).dt.tz_localize(None)


def local_now() -> datetime:
    return datetime.now(_TZ)
