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
def streamlit_server(env: dict[str, str]):
    """The app served on a free local port with this environment (on top of this process's); yields its address
    once its health check answers, and stops it after."""
    port = _free_port()
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
        stdout=subprocess.PIPE,
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
        pytest.fail("the dashboard did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server():
    # the workspace's store: the tests' CAMPAIGN_TRACKER_STORE is set for the CLI only
    with streamlit_server({"CAMPAIGN_TRACKER_STORE": ""}) as url:
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
def documents_removed_after(isolated_workspace):
    """A test that fails half-way leaves no added document behind for the next one (the server's next run sees
    the folder changed and takes them out of the store, as it does when a user deletes a file)."""
    yield
    from core.workspace import Workspace

    folder = Workspace(isolated_workspace).documents_dir
    for f in folder.iterdir() if folder.is_dir() else ():
        if f.is_file():
            f.unlink()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the tests' pages: its cache keeps the app's scripts, so that a page opens in about
    half the time a new context takes (the app keeps nothing in the browser between two pages: each page is a
    session of its own on the server)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # a loaded CI machine: a click waits as long as the tests' expectations do
    yield pg
    pg.close()


#: every test module here starts with ``pytestmark = BROWSER``: real-browser tests, marked ``browser`` (``pytest -m
#: browser`` runs them alone, ``-m "not browser"`` everything else), all run by one pytest-xdist worker against one
#: server (a mark added later, in a collection hook, comes after xdist has read the groups)
BROWSER = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


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
