"""The settings of sessions and rating links (geo.config), each with its README row."""

import re
import stat
from pathlib import Path

import pytest

from geo import config

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_secret_key_is_generated_once_and_kept_private_under_the_data_dir(tmp_path):
    env = {"GRIDGOV_DATA_DIR": str(tmp_path)}
    first, again = config.secret_key(env), config.secret_key(env)
    assert first == again and len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_configured_secret_key_wins_and_a_short_one_is_refused(tmp_path):
    assert config.secret_key({"GRIDGOV_SECRET_KEY": "x" * 32, "GRIDGOV_DATA_DIR": str(tmp_path)}) == b"x" * 32
    with pytest.raises(ValueError, match="GRIDGOV_SECRET_KEY must be at least 32 characters, got 5"):
        config.secret_key({"GRIDGOV_SECRET_KEY": "short"})


def test_session_age_link_validity_and_public_url_have_defaults_and_refuse_nonsense():
    assert config.session_max_age_s({}) == 12 * 3600
    assert config.rating_link_days({}) == 7
    assert config.public_url({}) == ""
    assert config.public_url({"GRIDGOV_PUBLIC_URL": "https://gov.example/"}) == "https://gov.example"
    with pytest.raises(ValueError, match="GRIDGOV_PUBLIC_URL must start with http"):
        config.public_url({"GRIDGOV_PUBLIC_URL": "gov.example"})
    with pytest.raises(ValueError, match="GRIDGOV_RATING_LINK_DAYS must be a number of days"):
        config.rating_link_days({"GRIDGOV_RATING_LINK_DAYS": "a week"})


@pytest.mark.parametrize("name", ["GRIDGOV_SESSION_MAX_HOURS", "GRIDGOV_SECRET_KEY", "GRIDGOV_RATING_LINK_DAYS",
                                  "GRIDGOV_PUBLIC_URL"])
def test_every_new_setting_has_a_readme_row(name):
    assert re.search(rf"^\|[^\n]*`{name}`", README, re.M)
