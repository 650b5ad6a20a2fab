from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

PP = "000_ab47939fa5a6ec24"
HANSARD = "001_27ac06d3129042f8"
PRESS = "002_ef583611f3e786e0"
MONTHLY = "003_7143c52f970a1da7"
PP_2025 = "004_815e4f78c80070a6"


def pid(passages, document: str, line: int) -> str:
    """The id of the passage read from ``line`` of ``document`` (text layouts' ids are hashes of section and text,
    so tests find a seed paragraph by its line)."""
    hit = passages[(passages.document == document) & (passages.line == line)]
    assert len(hit) == 1, f"no single passage at {document} line {line}"
    return hit.passage_id.iloc[0]


@pytest.fixture(scope="session")
def corpus():
    from core.pipeline import build_corpus

    return build_corpus([SEEDS])


@pytest.fixture(scope="session")
def passages(corpus):
    return corpus.passages


@pytest.fixture(scope="session")
def docs(corpus):
    return {d.document: d for d in corpus.documents}


def _set_env(name: str, value: str):
    """Set an environment variable for the test run, then put back what was there."""
    import os

    old = os.environ.get(name)
    os.environ[name] = value
    yield
    if old is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = old


@pytest.fixture(scope="session", autouse=True)
def isolated_workspace(tmp_path_factory):
    """Tests never read or write the user's workspace (documents added in the dashboard)."""
    root = tmp_path_factory.mktemp("workspace")
    for _ in _set_env("CAMPAIGN_TRACKER_DATA", str(root)):
        yield root


@pytest.fixture(scope="session", autouse=True)
def isolated_store(tmp_path_factory):
    """The CLI's default store is a path no test has made, so commands without SOURCES read the seeds."""
    path = tmp_path_factory.mktemp("cli-store") / "campaign.duckdb"
    for _ in _set_env("CAMPAIGN_TRACKER_STORE", str(path)):
        yield path


@pytest.fixture(scope="session", autouse=True)
def isolated_compile_cache(tmp_path_factory):
    """Compiled matchers (core.hscache) are kept in a folder of this test run, shared by its worker processes (each
    taxonomy is compiled once per run, not once per process), never in the user's cache."""
    import os

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "compiled"
    root.mkdir(exist_ok=True)
    for _ in _set_env("CAMPAIGN_TRACKER_CACHE", str(root)):
        yield root


class CliResult:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_cli(*args) -> CliResult:
    """`campaign-tracker ARGS` in this process (as fast as a function call): exit code, stdout, stderr."""
    import contextlib
    import io

    from core.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return CliResult(code, out.getvalue(), err.getvalue())


def _nice(value: int) -> None:
    """This thread's scheduling niceness (Linux: per thread; a thread inherits its creator's, a process its
    starter's). Lowering it back needs privilege; where that is refused the thread stays as it is."""
    import os
    import threading

    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)
    except (AttributeError, OSError):
        pass


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """With xdist, the browser tests run one after another on one worker, most of their time waiting on the app's
    server and chromium (started from that test's thread): they are the run's critical path. Every other test runs
    at a lower priority (niceness 10) so that the server and browser get a core when they need one, and the other
    tests fill what is left; the run's CPU work is the same, it finishes sooner."""
    import os

    if os.environ.get("PYTEST_XDIST_WORKER"):
        _nice(0 if item.get_closest_marker("browser") else 10)
