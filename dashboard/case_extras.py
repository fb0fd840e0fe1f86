"""Two parts of the case panel that came with live intake: the case's photos (before / after, and a
department's "after" photo upload) and the likely duplicates a supervisor may merge. Kept beside
case_panel.py so the panel itself only calls them."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard.data import database, media_store
from dashboard.i18n import t
from dashboard.markup import escape
from geo.config import duplicate_policy, photo_limits
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.vocabulary import OPEN_STATUSES
from geo.domain.workflow import CaseChanged, WorkflowError
from geo.read.case_story import CaseStory
from geo.read.duplicates import duplicates_of_case
from geo.read.media import photo_images
from geo.usecases.duplicates import merge
from geo.usecases.media import save_after_photo

FLASH = "case_map_flash"
_AFTER_STATUSES = {"whistled", "reported_in", "answered", "closed", "rework"}


def show_photos(story: CaseStory, actor: Actor) -> None:
    """Thumbnails with their kind and time; an uploader for an "after" photo for who may add one."""
    case_id = story.case["id"]
    photos = database().read(photo_images, media_store(), case_id)
    if not photos:
        st.caption(f"{t('case_map_photos')}: {t('case_map_no_photos')}")
    else:
        st.markdown(f"**{t('case_map_photos')}**")
    columns = st.columns(3) if photos else []
    for i, photo in enumerate(photos):
        caption = t(f"case_map_photo_{photo['kind']}")
        if photo["image"] is not None:
            columns[i % 3].image(photo["image"], caption=caption, width="stretch")
        else:
            columns[i % 3].markdown(f"[{caption} ↗]({photo['url']})")
    if may(actor.role, "add_after_photo") and story.case["status"] in _AFTER_STATUSES:
        upload = st.file_uploader(t("case_map_add_after_photo"), type=["jpg", "jpeg", "png", "webp"],
                                  key=f"case_map_after_{case_id}")
        if upload is not None:
            st.button(t("case_map_save_photo"), key=f"case_map_save_after_{case_id}", on_click=_save_after,
                      args=(case_id, upload.getvalue(), actor))


def _save_after(case_id: int, data: bytes, actor: Actor) -> None:
    try:
        save_after_photo(database(), media_store(), case_id, data, actor, datetime.now(UTC), photo_limits())
    except (WorkflowError, PermissionError) as exc:
        st.session_state[FLASH] = ("error", t("case_map_refused") + escape(exc))
    else:
        st.session_state[FLASH] = ("success", t("case_map_photo_saved"))


def show_duplicates(story: CaseStory, actor: Actor) -> None:
    """Open cases this one probably duplicates, each with a button to merge this case into it."""
    c = story.case
    if not may(actor.role, "merge_cases") or c["status"] not in OPEN_STATUSES:
        return
    found = database().read(duplicates_of_case, c["id"], duplicate_policy())
    if found.empty:
        return
    st.markdown(f"**{t('case_map_duplicates')}**")
    for d in found.itertuples(index=False):
        st.caption(t("case_map_duplicate_line").format(number=escape(d.number),
                                                        category=escape(d.category or "—"),
                                                        distance=d.distance_m, score=d.score))
        st.button(t("case_map_merge_into").format(number=d.number), key=f"case_map_merge_{c['id']}_{d.id}",
                  on_click=_merge, args=(c["id"], int(d.id), actor, c["version"]))


def _merge(case_id: int, into_id: int, actor: Actor, seen_version: int) -> None:
    try:
        number = merge(database(), case_id, into_id, actor, seen_version, datetime.now(UTC))
    except CaseChanged as exc:
        st.session_state[FLASH] = ("warning", t("case_map_conflict").format(expected=exc.expected, actual=exc.actual))
    except (WorkflowError, PermissionError) as exc:
        st.session_state[FLASH] = ("error", t("case_map_refused") + escape(exc))
    else:
        st.session_state[FLASH] = ("success", t("case_map_merged").format(number=number))
