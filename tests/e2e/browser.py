"""Helpers for browser tests: run a Streamlit script, drive Debian's Chromium, watch the network.

Importable by any test; the pytest fixtures wrapping them live in ``conftest.py``.
Never call ``playwright install``: there is no internet; we use /usr/bin/chromium.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = REPO_ROOT / "dashboard" / "app.py"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1920, "height": 1080}

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

# The streamlit-folium component iframe (Streamlit titles v1 component iframes by component name).
FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def artifact_path(name: str) -> Path:
    """Path in test-artifacts/ (created on demand); ``name`` is made filesystem-safe."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- Streamlit server


@dataclass
class StreamlitServer:
    script: Path
    port: int
    proc: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 15) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_streamlit(
    script: str | Path,
    env: Mapping[str, str | None] | None = None,
    port: int | None = None,
    timeout: float = 60,
    extra_args: list[str] | None = None,
) -> StreamlitServer:
    """Start ``streamlit run <script>`` from the repo root and wait until /_stcore/health answers. The
    dashboard itself (dashboard/app.py) runs as users run it: ``gridgov serve`` (dashboard/asgi.py, with the
    session cookie route and the rating page); ``extra_args`` are then Streamlit options like
    ``--server.maxUploadSize 1``, passed as STREAMLIT_* variables.

    ``env`` entries are added to the current environment; a value of None *unsets* the variable
    (e.g. ``{"GRIDGOV_TILE_URL": None}`` for the no-tiles case). Stop it with ``.stop()`` or use
    it as a context manager.
    """
    script = Path(script)
    if not script.is_absolute():
        script = REPO_ROOT / script
    port = port or free_port()
    run_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            run_env.pop(key, None)
        else:
            run_env[key] = value
    if script == DASHBOARD:
        cmd = [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))", "serve",
               "--port", str(port), "--address", "127.0.0.1"]
        run_env["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
        run_env.update(_as_streamlit_variables(extra_args or []))
    else:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *(extra_args or []),
        ]
    log_path = artifact_path(f"streamlit-{script.stem}-{port}.log")
    with open(log_path, "w") as log_file:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=run_env, stdout=log_file, stderr=subprocess.STDOUT)
    server = StreamlitServer(script=script, port=port, proc=proc, log_path=log_path)

    deadline = time.monotonic() + timeout
    health = f"{server.url}/_stcore/health"
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise TimeoutError(
                f"streamlit did not answer on {health} within {timeout}s:\n{server.log_tail()}"
            )
        time.sleep(0.25)


def _as_streamlit_variables(flags: list[str]) -> dict[str, str]:
    """``["--server.maxUploadSize", "1"]`` → ``{"STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "1"}``."""
    out = {}
    for flag, value in zip(flags[::2], flags[1::2]):
        section, _, option = flag.removeprefix("--").partition(".")
        out[f"STREAMLIT_{section.upper()}_{re.sub(r'(?<!^)(?=[A-Z])', '_', option).upper()}"] = value
    return out


# --------------------------------------------------------------------------- Chromium


def launch_chromium(playwright, **kwargs):
    """Headless Debian Chromium through ``playwright.sync_api`` (no downloaded browsers)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS), **kwargs
    )


def new_page(browser, **context_kwargs):
    context = browser.new_context(viewport=VIEWPORT, **context_kwargs)
    return context.new_page()


def save_screenshot(page, name: str, full_page: bool = True) -> Path:
    path = artifact_path(name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --------------------------------------------------------------------------- network log


@dataclass
class RequestRecord:
    url: str
    method: str
    resource_type: str
    frame_url: str = ""
    status: int | None = None
    failure: str | None = None


@dataclass
class NetworkLog:
    """Every request a page (including its iframes) makes, with status or failure reason."""

    records: list[RequestRecord] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    _by_request: dict = field(default_factory=dict, repr=False)

    def attach(self, page) -> NetworkLog:
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)
        page.on("websocket", lambda ws: self.websockets.append(ws.url))
        return self

    def _on_request(self, request) -> None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            frame_url = request.frame.url
        except PlaywrightError:  # service-worker requests have no frame
            frame_url = ""
        rec = RequestRecord(request.url, request.method, request.resource_type, frame_url)
        self.records.append(rec)
        self._by_request[id(request)] = (request, rec)

    def _record_for(self, request) -> RequestRecord | None:
        entry = self._by_request.get(id(request))
        if entry is not None and entry[0] is request:
            return entry[1]
        for rec in reversed(self.records):  # fallback: same URL, not yet answered
            if rec.url == request.url and rec.status is None and rec.failure is None:
                return rec
        return None

    def _on_response(self, response) -> None:
        rec = self._record_for(response.request)
        if rec is not None:
            rec.status = response.status

    def _on_failed(self, request) -> None:
        rec = self._record_for(request)
        if rec is not None:
            rec.failure = request.failure or "failed"

    # ---- queries

    def urls(self) -> list[str]:
        return [r.url for r in self.records] + self.websockets

    def matching(self, pattern: str) -> list[RequestRecord]:
        return [r for r in self.records if re.search(pattern, r.url)]

    def external(self) -> list[str]:
        return [u for u in self.urls() if not is_local_url(u)]

    def failed(self) -> list[RequestRecord]:
        return [
            r for r in self.records if r.failure is not None or (r.status is not None and r.status >= 400)
        ]

    def summary(self) -> str:
        return "\n".join(
            f"{r.status or '-':>4} {r.resource_type:<10} {r.url}{'  FAILED: ' + r.failure if r.failure else ''}"
            for r in self.records
        )


def is_local_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS or f"[{parts.hostname}]" in LOCAL_HOSTS


def assert_all_local(log: NetworkLog) -> None:
    """No request (HTTP or WebSocket) may leave 127.0.0.1/localhost; data:, blob:, about: allowed."""
    external = log.external()
    assert not external, "requests left localhost:\n" + "\n".join(sorted(set(external)))


def assert_no_failed_requests(log: NetworkLog, ignore: str | None = None) -> None:
    """No request failed and none got an HTTP status >= 400 (404s of local assets count)."""
    bad = [r for r in log.failed() if not (ignore and re.search(ignore, r.url))]
    assert not bad, "failed requests:\n" + "\n".join(
        f"{r.status or '-'} {r.failure or ''} {r.url}" for r in bad
    )


#: The app between runs: Streamlit marks its root with the script's state.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page, pause: int = 800) -> None:
    """Wait until the script is not running, twice across ``pause`` ms (a widget's change starts its rerun a
    moment after the event): mid-run, the last run's widgets are still on the page next to the new ones."""
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_timeout(pause)
    page.wait_for_selector(IDLE, timeout=90_000)


def sign_in(page, url: str, username: str, password: str | None = None) -> None:
    """Open ``url`` and sign in through the dashboard's form (demo accounts: samples.accounts)."""
    from samples.accounts import demo_password

    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("用户名").fill(username, timeout=90_000)
    page.get_by_label("密码").fill(password or demo_password())
    page.get_by_role("button", name="登录").click()
    page.get_by_text("当前用户").first.wait_for(timeout=90_000)
