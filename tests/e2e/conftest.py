"""Start the real app on a free local port and drive Debian's chromium with Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str], name: str = "server"):
    """The app served on a free local port with this environment (on top of this process's); yields its address
    once its health check answers, and stops it after. Its output is kept in ``artifacts/NAME.log``."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    # the server's output goes to a file: a pipe nobody reads fills up, and the server then blocks on its next log line
    log = open(ARTIFACTS / f"{name}.log", "wb")  # noqa: SIM115 (closed when the server stops)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        log.close()
        pytest.fail("the dashboard did not start: " + Path(log.name).read_bytes().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def server_workspace(tmp_path_factory):
    """The server's own workspace: the tests that run in this process beside the browser tests (AppTest, the CLI)
    have theirs, so neither holds the other's store open, nor sees the other's added documents and taxonomy."""
    return tmp_path_factory.mktemp("server-workspace")


@pytest.fixture(scope="session")
def server(server_workspace):
    # the workspace's store: the tests' CAMPAIGN_TRACKER_STORE is set for the CLI only
    with streamlit_server({"CAMPAIGN_TRACKER_STORE": "", "CAMPAIGN_TRACKER_DATA": str(server_workspace)}) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def app_url(server, browser):
    """The server, warmed: its first session has built the store and the caches (the cold start, which may take
    minutes on a loaded machine, is waited for once here, not inside a test's timeouts)."""
    from tests.e2e.wait import settled

    ctx = browser.new_context()
    try:
        pg = ctx.new_page()
        pg.goto(server)
        settled(pg, timeout=300_000)
    finally:
        ctx.close()
    return server


@pytest.fixture(autouse=True)
def workspace_restored_after(server_workspace):
    """A test that fails half-way leaves no added document and no edited taxonomy behind for the next one (the
    server's next run sees the workspace changed and brings its store back to the seeds, as it does when a user
    deletes a file)."""
    yield
    from core.workspace import Workspace

    ws = Workspace(server_workspace)
    ws.clear_taxonomy()
    folder = ws.documents_dir
    for f in folder.iterdir() if folder.is_dir() else ():
        if f.is_file():
            f.unlink()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the tests' pages: its cache keeps the app's scripts, so that a page opens in about
    half the time a new context takes (the app keeps nothing in the browser between two pages: each page is a
    session of its own on the server)."""
    from tests.e2e.wait import new_context

    ctx = new_context(browser, viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # a loaded CI machine: a click waits as long as the tests' expectations do
    pg.traffic, pg.note = watch_traffic(pg)
    yield pg
    pg.close()


def watch_traffic(pg):
    """What went over the page's websockets and to its console, one line each with the seconds since the page
    opened: shown when an action starts no run, to tell a message the browser never sent from one the server did
    not answer. Returns the lines and the function that adds one."""
    t0 = time.monotonic()
    lines: list[str] = []

    def note(what: str) -> None:
        lines.append(f"{time.monotonic() - t0:8.3f} {what}")

    def opened(ws):
        note(f"websocket opened {ws.url}")
        ws.on("framesent", lambda p: note(f"sent {len(p)} bytes"))
        ws.on("framereceived", lambda p: note(f"received {len(p)} bytes"))
        ws.on("close", lambda _: note("websocket closed"))

    pg.on("websocket", opened)
    pg.on("console", lambda m: note(f"console {m.type}: {m.text[:200]}"))
    return lines, note


#: every test module here starts with ``pytestmark = BROWSER``: real-browser tests, marked ``browser`` (``pytest -m
#: browser`` runs them alone, ``-m "not browser"`` everything else), all run by one pytest-xdist worker against one
#: server (a mark added later, in a collection hook, comes after xdist has read the groups)
BROWSER = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report ends with its page's websocket and console traffic (``watch_traffic``)."""
    report = yield
    pg = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.failed and pg is not None and getattr(pg, "traffic", None):
        report.sections.append(("page traffic (last 80 lines)", "\n".join(pg.traffic[-80:])))
    return report


def pytest_collection_modifyitems(config, items):
    """A browser test without the marks would run beside the others, against a server of its own: refused."""
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here) and not item.get_closest_marker("xdist_group"):
            raise pytest.UsageError(f"{item.nodeid}: a browser test module starts with `pytestmark = BROWSER`")


def pytest_collection_finish(session):
    """On a pytest-xdist worker distributing by group, the group is in every browser test's id (pytest-xdist 3.8
    cannot add it under pytest 9: the tests would then be spread over the workers, each starting a server)."""
    if getattr(session.config.option, "loadgroup", False):
        lost = [i.nodeid for i in session.items if i.get_closest_marker("browser") and "@browser" not in i.nodeid]
        if lost:
            pytest.exit(f"pytest-xdist did not group the browser tests ({lost[0]}): see pyproject.toml", returncode=4)
