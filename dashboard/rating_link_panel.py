"""The resident's rating link in the case panel (issue 13): for a closed case, the center sees the link to
send to the reporter, as a URL and as a QR code to print on the closing notice. The link itself (signed,
single use, expiring) is geo.usecases.rating_links'; this module only draws it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
import streamlit as st

from dashboard.data import database
from dashboard.i18n import t
from geo.config import public_url, rating_link_days
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.vocabulary import Status
from geo.usecases.rating_links import issue_rating_link


def show_rating_link(case: dict, actor: Actor) -> None:
    """Draw the link and its QR code for a closed case, for those who may rate on the resident's behalf."""
    if case["status"] != Status.CLOSED or not may(actor.role, "rate"):
        return
    token = issue_rating_link(database(), case["id"], datetime.now(UTC))
    if token is None:
        return
    url = f"{_site()}/rate/{token}"
    svg = qr_svg(url)
    with st.container(key="case_map_rating_link"):
        st.markdown(f"**{t('rating_link_heading')}**")
        st.caption(t("rating_link_help").format(days=f"{rating_link_days():g}"))
        st.code(url, language=None)
        st.image(svg, width=164)
        st.download_button(t("rating_link_download"), svg.encode(), f"rating-{case['number']}.svg",
                           "image/svg+xml", key=f"case_map_rating_qr_{case['id']}", on_click="ignore")


def qr_svg(url: str) -> str:
    """A QR code as SVG (pure Python, no image library), crisp when printed at any size."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def _site() -> str:
    """GRIDGOV_PUBLIC_URL, else the address this browser reached the dashboard at."""
    configured = public_url()
    if configured:
        return configured
    here = urlsplit(st.context.url or "")
    return f"{here.scheme}://{here.netloc}" if here.netloc else ""
