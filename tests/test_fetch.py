"""`campaign-tracker fetch` against a local HTTP server standing in for TheyWorkForYou and the Hansard API.

The server serves the real ParlParse files and Hansard API responses in tests/fixtures/corpora/ and directory
listings recorded in the shape of TheyWorkForYou's (tests/fixtures/fetch/README.md). Faults (HTTP 500, 429 with
Retry-After, a connection dropped mid-body, a body cut short, a stalled transfer) are scripted per path.
No test measures time: waits are recorded by a fake sleep, or the back-off is 0.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from core.fetch import hansard_api, twfy
from core.fetch.http import USER_AGENT, FetchError, PoliteClient
from tests.conftest import FIXTURES, ROOT, run_cli

CORPORA = FIXTURES / "corpora"
TWFY_FILES = CORPORA / "parlparse-twfy"
LISTINGS = FIXTURES / "fetch" / "twfy"
SEARCH = json.loads((CORPORA / "hansard-api-json" / "search_debates_day.json").read_bytes())
DEBATE = CORPORA / "hansard-api-json" / "debate_with_speeches.json"
DEBATE_ID = "69FFB3CB-33EF-41DD-94B0-E8685BEB39EF"
TWFY_PREFIX = "/pwdata/scrapedxml/"
FAST = ["--rate", "1000", "--backoff", "0"]


class Site:
    """What the server serves, the faults it plays (per path, in order) and the requests it saw."""

    def __init__(self):
        self.faults: dict[str, list[tuple]] = {}
        self.requests: list[tuple[str, str]] = []
        self.stalled = threading.Event()
        self.release = threading.Event()

    def paths(self) -> list[str]:
        return [urlsplit(p).path for p, _ua in self.requests]

    def fault(self, path: str, *faults: tuple) -> None:
        self.faults.setdefault(path, []).extend(faults)


def _search(query: dict) -> bytes:
    term = query.get("queryParameters.searchTerm", [""])[0].lower()
    start = query.get("queryParameters.startDate", ["0000"])[0]
    end = query.get("queryParameters.endDate", ["9999"])[0]
    skip = int(query.get("queryParameters.skip", ["0"])[0])
    take = int(query.get("queryParameters.take", ["20"])[0])
    hits = [r for r in SEARCH["Results"] if term in r["Title"].lower() and start <= r["SittingDate"][:10] <= end]
    return json.dumps({"Results": hits[skip : skip + take], "TotalResultCount": len(hits)}, indent=2).encode()


def _content(path: str, query: dict) -> tuple[int, bytes, str]:
    if path.startswith(TWFY_PREFIX):
        rest = path[len(TWFY_PREFIX) :]
        series, _, name = rest.partition("/")
        if not name and (LISTINGS / f"{series}.html").is_file():
            return 200, (LISTINGS / f"{series}.html").read_bytes(), "text/html;charset=UTF-8"
        f = TWFY_FILES / series / name
        if name and f.is_file():
            return 200, f.read_bytes(), "text/xml"
    if path == "/search/debates.json":
        return 200, _search(query), "application/json"
    if path == f"/debates/debate/{DEBATE_ID}.json":
        return 200, DEBATE.read_bytes(), "application/json"
    return 404, b"<html><body>Not Found</body></html>", "text/html"


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None, length: int | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if length is not None:
                self.send_header("Content-Length", str(length))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            parts = urlsplit(self.path)
            status, body, ctype = _content(parts.path, parse_qs(parts.query))
            queue = site.faults.get(parts.path)
            fault = queue.pop(0) if queue else None
            if fault is None:
                self._send(status, body, ctype, length=len(body))
            elif fault[0] == "status":  # ("status", code, headers)
                self._send(fault[1], b"<html><body>busy</body></html>", "text/html", fault[2], length=30)
            elif fault[0] == "drop":  # the connection closes halfway through a body of announced length
                self._send(200, body[: len(body) // 2], ctype, length=len(body))
                self.close_connection = True
            elif fault[0] == "short":  # half a body, no Content-Length: only the content shows it is cut
                self._send(200, body[: len(body) // 2], ctype)
                self.close_connection = True
            elif fault[0] == "gzip":  # compressed for a client that asked for it
                assert "gzip" in self.headers.get("Accept-Encoding", "")
                packed = gzip.compress(body)
                self._send(200, packed, ctype, {"Content-Encoding": "gzip"}, length=len(packed))
            elif fault[0] == "stall":  # half a body, then nothing until the test releases it
                self._send(200, body[: len(body) // 2], ctype, length=len(body))
                self.wfile.flush()
                site.stalled.set()
                site.release.wait(30)
                self.close_connection = True

    return Handler


@pytest.fixture
def server():
    """A local HTTP server in a thread: yields (base URL, Site); stopped after the test."""
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    finally:
        site.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


class FakeTime:
    """A clock that only moves when slept on: the client's waits are recorded, never slept."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _client(t: FakeTime, **kw) -> PoliteClient:
    return PoliteClient(sleep=t.sleep, clock=t.clock, **kw)


def _files(out: Path) -> list[str]:
    """The files a user sees in the folder (hidden ones left out)."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))


def _twfy(base: str, out: Path, *extra, series="debates,westminhall", start="2009-10-26", end="2009-10-28"):
    return run_cli(
        "fetch",
        "twfy",
        "--series",
        series,
        "--from",
        start,
        "--to",
        end,
        "--out",
        out,
        "--base-url",
        base + TWFY_PREFIX,
        *FAST,
        *extra,
    )


LATEST_26_28 = [
    "debates/debates2009-10-26b.xml",
    "debates/debates2009-10-28c.xml",
    "westminhall/westminster2009-10-27a.xml",
    "westminhall/westminster2009-10-28a.xml",
]


def test_twfy_fetches_the_latest_version_of_each_day_in_range_then_nothing_on_a_second_run(server, tmp_path):
    base, site = server
    out = tmp_path / "twfy"
    r = _twfy(base, out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"4 fetched, 0 already here, 0 failed ({out})"
    assert "debates: 2 file(s) from 2009-10-26 to 2009-10-28 (the latest version of each day) of 8 listed" in r.stdout
    assert _files(out) == LATEST_26_28
    for rel in LATEST_26_28:  # byte-identical to what the server holds
        assert (out / rel).read_bytes() == (TWFY_FILES / rel).read_bytes()
    # earlier versions (26a, 28a, 28b) and days out of range were never asked for
    # (the listings first, then the files)
    assert site.paths() == [TWFY_PREFIX + "debates/", TWFY_PREFIX + "westminhall/"] + [
        TWFY_PREFIX + rel for rel in LATEST_26_28
    ]
    assert {ua for _p, ua in site.requests} == {USER_AGENT}
    assert USER_AGENT.startswith("campaign-tracker/0.1.0 ")

    site.requests.clear()
    r = _twfy(base, out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"0 fetched, 4 already here, 0 failed ({out})"
    assert site.paths() == [TWFY_PREFIX + "debates/", TWFY_PREFIX + "westminhall/"]  # the listings only


def test_twfy_series_dates_and_aliases(server, tmp_path):
    """All six series: 'lords' is the lordspages folder; a standing committee file counts by its last date;
    the wms listing is Apache's <pre> form; written answers keep only 27c of 27a/b/c."""
    base, _site = server
    report = twfy.fetch(
        twfy.series_names("debates,westminhall,lords,wrans,wms,standing"),
        twfy.date.fromisoformat("2009-10-27"),
        twfy.date.fromisoformat("2009-10-29"),
        tmp_path,
        base_url=base + TWFY_PREFIX,
        client=_client(FakeTime()),
    )
    assert report.ok and report.fetched == 11
    assert _files(tmp_path) == [
        "debates/debates2009-10-28c.xml",
        "lordspages/daylord2009-10-27a.xml",
        "lordspages/daylord2009-10-28a.xml",
        "standing/standing2009-10-20_CHILDPOV_06-0_2009-10-27a.xml",
        "standing/standing2009-10-20_CHILDPOV_07-0_2009-10-29a.xml",
        "standing/standing2009-10-20_CHILDPOV_08-0_2009-10-29a.xml",
        "westminhall/westminster2009-10-27a.xml",
        "westminhall/westminster2009-10-28a.xml",
        "westminhall/westminster2009-10-29a.xml",
        "wms/ministerial2009-10-29a.xml",
        "wrans/answers2009-10-27c.xml",
    ]


def test_series_names_refuse_an_unknown_series():
    with pytest.raises(ValueError, match=r"unknown series 'hansard'; the series are: debates, westminhall"):
        twfy.series_names("debates,hansard")
    r = run_cli("fetch", "twfy", "--series", "nope", "--from", "2009-10-01", "--out", "x")
    assert r.returncode == 2 and "error: --series: unknown series 'nope'" in r.stderr


def test_from_after_to_is_refused(tmp_path):
    r = run_cli("fetch", "twfy", "--from", "2009-10-31", "--to", "2009-10-01", "--out", tmp_path / "o")
    assert r.returncode == 2 and "--from 2009-10-31 is after --to 2009-10-01" in r.stderr
    assert not (tmp_path / "o").exists()


def test_a_failure_midway_is_named_and_the_next_run_resumes(server, tmp_path):
    base, site = server
    out = tmp_path / "twfy"
    d28 = TWFY_PREFIX + "debates/debates2009-10-28c.xml"
    w27 = TWFY_PREFIX + "westminhall/westminster2009-10-27a.xml"
    site.fault(d28, ("status", 500, {}), ("status", 500, {}), ("status", 500, {}))
    site.fault(w27, ("drop",), ("drop",))
    r = _twfy(base, out, "--retries", "1")
    assert r.returncode == 2
    assert r.stdout.splitlines()[-1] == f"2 fetched, 0 already here, 2 failed ({out})"
    assert (f"error: {base}{d28}: HTTP 500 Internal Server Error (gave up after 2 attempts)") in r.stderr
    assert f"error: {base}{w27}: connection closed after " in r.stderr
    assert "run the same command again" in r.stderr
    # nothing half-written under a final name, and no temporary file left
    assert _files(out) == ["debates/debates2009-10-26b.xml", "westminhall/westminster2009-10-28a.xml"]
    assert not [p for p in out.rglob(".*")]

    site.requests.clear()
    r = _twfy(base, out, "--retries", "1")  # one 500 is still queued for d28: the retry gets through
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"2 fetched, 2 already here, 0 failed ({out})"
    assert _files(out) == LATEST_26_28
    for rel in LATEST_26_28:
        assert (out / rel).read_bytes() == (TWFY_FILES / rel).read_bytes()
    assert sorted(site.paths()) == sorted([TWFY_PREFIX + "debates/", d28, d28, TWFY_PREFIX + "westminhall/", w27])


def test_a_body_cut_short_without_a_length_is_not_kept(server, tmp_path):
    base, site = server
    path = "/pwdata/scrapedxml/wms/ministerial2009-10-29a.xml"
    site.fault(path, ("short",), ("short",))
    client = _client(FakeTime(), retries=1, backoff=0)
    with pytest.raises(FetchError, match="no closing </publicwhip>"):
        client.download(base + path, tmp_path / "wms" / "ministerial2009-10-29a.xml", twfy.check_xml)
    assert not list(tmp_path.rglob("*.xml")) and not list(tmp_path.rglob(".*"))
    client.download(base + path, tmp_path / "wms" / "ministerial2009-10-29a.xml", twfy.check_xml)
    assert (tmp_path / "wms" / "ministerial2009-10-29a.xml").read_bytes() == (
        TWFY_FILES / "wms" / "ministerial2009-10-29a.xml"
    ).read_bytes()


def test_a_gzipped_body_is_decompressed(server, tmp_path):
    base, site = server
    path = TWFY_PREFIX + "wms/ministerial2009-10-29a.xml"
    site.fault(path, ("gzip",))
    _client(FakeTime()).download(base + path, tmp_path / "m.xml", twfy.check_xml)
    assert (tmp_path / "m.xml").read_bytes() == (TWFY_FILES / "wms" / "ministerial2009-10-29a.xml").read_bytes()
    assert not site.faults[path]  # the gzipped response was the one served


def test_the_progress_bar_counts(server, tmp_path, capsys):
    base, _site = server
    hansard_api.fetch("oil refining", None, None, tmp_path, base_url=base, client=_client(FakeTime()), progress=True)
    hansard_api.fetch("oil refining", None, None, tmp_path, base_url=base, client=_client(FakeTime()), progress=True)
    err = capsys.readouterr().err
    assert "fetch: 100%" in err
    assert "1/1" in err and "1 fetched, 0 here, 0 failed]" in err and "0 fetched, 1 here, 0 failed]" in err


def test_429_and_503_retry_after_are_waited_for(server, tmp_path):
    base, site = server
    path = TWFY_PREFIX + "wms/ministerial2009-10-29a.xml"
    site.fault(path, ("status", 429, {"Retry-After": "7"}), ("status", 503, {"Retry-After": "3"}), ("status", 502, {}))
    t = FakeTime()
    client = _client(t, rate=1000, retries=3, backoff=0.5)
    client.download(base + path, tmp_path / "m.xml", twfy.check_xml)
    assert (tmp_path / "m.xml").read_bytes() == (TWFY_FILES / "wms" / "ministerial2009-10-29a.xml").read_bytes()
    # the server's Retry-After (7 s, then 3 s), then the back-off for the third attempt (0.5 × 2²)
    assert [s for s in t.sleeps if s >= 0.01] == [7.0, 3.0, 2.0]
    assert client.requests == 4


def test_a_retry_after_longer_than_the_limit_fails_naming_it(server, tmp_path):
    base, site = server
    path = TWFY_PREFIX + "wms/ministerial2009-10-29a.xml"
    site.fault(path, ("status", 429, {"Retry-After": "3600"}))
    t = FakeTime()
    with pytest.raises(
        FetchError,
        match=r"HTTP 429 Too Many Requests; the server asks to retry after 3600 s, "
        r"longer than the 300 s this client waits",
    ):
        _client(t).download(base + path, tmp_path / "m.xml")
    assert 3600 not in t.sleeps and not (tmp_path / "m.xml").exists()


def test_a_missing_file_is_not_retried(server, tmp_path):
    base, site = server
    t = FakeTime()
    client = _client(t, retries=4)
    with pytest.raises(FetchError) as exc:
        client.get(base + TWFY_PREFIX + "debates/debates2009-10-26a.xml")  # listed, not on the server
    assert exc.value.reason == "HTTP 404 Not Found" and client.requests == 1


def test_connection_refused_is_retried_then_named(tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = FakeTime()
    client = _client(t, retries=2, backoff=1)
    with pytest.raises(FetchError, match=r"cannot connect \(.*refused.*\) \(gave up after 3 attempts\)"):
        client.get(f"http://127.0.0.1:{port}/x")
    assert [s for s in t.sleeps if s >= 0.5] == [1, 2]


def test_the_rate_limit_spaces_requests(server):
    base, _site = server
    t = FakeTime()
    client = _client(t, rate=2)
    for _ in range(3):
        client.get(base + TWFY_PREFIX + "wms/")
    assert t.sleeps == [0.5, 0.5]  # the first request goes at once; then one every 1/rate seconds
    with pytest.raises(ValueError, match="above 0"):
        PoliteClient(rate=0)


def test_a_listing_that_cannot_be_had_fails_clearly(server, tmp_path):
    base, _site = server
    r = run_cli(
        "fetch",
        "twfy",
        "--series",
        "debates",
        "--from",
        "2009-10-01",
        "--to",
        "2009-10-31",
        "--out",
        tmp_path,
        "--base-url",
        base + "/nowhere/",
        *FAST,
        "--retries",
        "0",
    )
    assert r.returncode == 2
    assert f"error: {base}/nowhere/debates/: HTTP 404 Not Found" in r.stderr
    assert r.stdout.splitlines()[-1] == f"0 fetched, 0 already here, 1 failed ({tmp_path})"


def test_listing_names_reads_both_apache_forms_and_only_this_folder():
    url = "https://www.theyworkforyou.com/pwdata/scrapedxml/standing/"
    names = twfy.listing_names((LISTINGS / "standing.html").read_bytes(), url)
    assert names == sorted(
        ["standing2009-10-20_CHILDPOV_05-0_2009-10-22a.xml"] + [p.name for p in (TWFY_FILES / "standing").glob("*.xml")]
    )
    wms = twfy.listing_names((LISTINGS / "wms.html").read_bytes(), "http://h/pwdata/scrapedxml/wms/")
    assert wms == ["ministerial2009-10-22a.xml", "ministerial2009-10-29a.xml"]
    html = (
        b'<a href="../debates/debates2009-10-26b.xml">x</a><a href="sub/debates2009-10-27a.xml">y</a>'
        b'<a href="/pwdata/scrapedxml/wms/ministerial2009-10-30a.xml">z</a><a href="notes.txt">n</a>'
    )
    assert twfy.listing_names(html, "http://h/pwdata/scrapedxml/wms/") == ["ministerial2009-10-30a.xml"]
    with pytest.raises(ValueError, match="not an HTML page"):
        twfy.listing_names(b"", url)


def test_a_kill_midway_leaves_no_file_that_looks_complete_and_the_next_run_completes(server, tmp_path):
    base, site = server
    out = tmp_path / "twfy"
    site.fault(TWFY_PREFIX + "debates/debates2009-10-28c.xml", ("stall",))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "fetch",
            "twfy",
            "--series",
            "debates",
            "--from",
            "2009-10-26",
            "--to",
            "2009-10-28",
            "--out",
            str(out),
            "--base-url",
            base + TWFY_PREFIX,
            *FAST,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert site.stalled.wait(60), "the fetch never reached the second file"
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert _files(out) == ["debates/debates2009-10-26b.xml"]  # 28c was half sent: nothing under its name
    site.release.set()
    # a temporary file left by a kill during a write is overwritten, not trusted
    (out / "debates" / ".debates2009-10-28c.xml.part").write_bytes(b"<?xml version='1.0'?><publicwhip>")
    r = _twfy(base, out, series="debates")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"1 fetched, 1 already here, 0 failed ({out})"
    assert (out / "debates" / "debates2009-10-28c.xml").read_bytes() == (
        TWFY_FILES / "debates" / "debates2009-10-28c.xml"
    ).read_bytes()
    assert not list(out.rglob(".*"))


def _hansard(base: str, out: Path, query: str, *extra):
    return run_cli(
        "fetch",
        "hansard-api",
        "--query",
        query,
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--out",
        out,
        "--base-url",
        base,
        *FAST,
        *extra,
    )


def test_hansard_api_searches_then_fetches_each_debate_once(server, tmp_path):
    base, site = server
    out = tmp_path / "api"
    r = _hansard(base, out, "oil refining")
    assert r.returncode == 0, r.stderr
    assert "search 'oil refining': 1 debate(s)" in r.stdout
    assert r.stdout.splitlines()[-1] == f"1 fetched, 0 already here, 0 failed ({out})"
    saved = out / "hansard-api" / f"2026-01-14_{DEBATE_ID}.json"
    assert _files(out) == [str(saved.relative_to(out))]
    assert saved.read_bytes() == DEBATE.read_bytes()
    search = parse_qs(urlsplit(site.requests[0][0]).query)
    assert site.paths() == ["/search/debates.json", f"/debates/debate/{DEBATE_ID}.json"]
    assert search == {
        "queryParameters.searchTerm": ["oil refining"],
        "queryParameters.startDate": ["2026-01-01"],
        "queryParameters.endDate": ["2026-01-31"],
        "queryParameters.skip": ["0"],
        "queryParameters.take": ["100"],
    }
    site.requests.clear()
    r = _hansard(base, out, "oil refining")
    assert r.stdout.splitlines()[-1] == f"0 fetched, 1 already here, 0 failed ({out})"
    assert site.paths() == ["/search/debates.json"]


def test_hansard_api_pages_through_the_search_and_names_debates_it_cannot_get(server, tmp_path):
    base, site = server
    report = hansard_api.fetch("e", None, None, tmp_path, base_url=base, client=_client(FakeTime(), retries=0), take=2)
    searches = [
        parse_qs(urlsplit(p).query)["queryParameters.skip"] for p, _ua in site.requests if p.startswith("/search/")
    ]
    assert searches == [["0"], ["2"]]  # 3 results, 2 a page
    assert report.fetched == 1
    assert sorted(e.url for e in report.failed) == [
        f"{base}/debates/debate/9969E436-926F-463C-8323-059D1158DF4A.json",
        f"{base}/debates/debate/DeferredDivisions2026-01-14.json",
    ]
    assert {e.reason for e in report.failed} == {"HTTP 404 Not Found"}


def test_hansard_api_refuses_a_search_that_is_not_one(server, tmp_path):
    base, site = server
    site.fault("/search/debates.json", ("status", 200, {}))  # an HTML page where JSON was expected
    r = _hansard(base, tmp_path, "oil refining", "--retries", "0")
    assert r.returncode == 2
    assert "/search/debates.json?queryParameters.searchTerm=oil+refining" in r.stderr
    assert "not a search result: invalid JSON at line 1, column 1" in r.stderr


def test_hansard_api_ids_that_are_unsafe_as_file_names_are_refused():
    assert hansard_api.file_name({"ext_id": "../../etc/passwd", "date": "2026-01-14"}) is None
    assert hansard_api.file_name({"ext_id": "AB-12", "date": ""}) == "AB-12.json"


def test_the_fetched_folder_ingests(server, tmp_path):
    from core.store import Store

    base, _site = server
    out = tmp_path / "fetched"
    assert _twfy(base, out).returncode == 0
    assert _hansard(base, out, "oil refining").returncode == 0
    store = tmp_path / "store.duckdb"
    r = run_cli("ingest", out, "--store", store)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("5 new, 0 changed, 0 unchanged;")
    with Store(store) as s:
        p = s.frame("passages")
    by_doc = p.groupby("document").agg(venue=("venue", "unique"), dates=("date", "unique"), n=("text", "size"))
    assert sorted(by_doc.index) == sorted(
        [
            "debates2009-10-26b",
            "debates2009-10-28c",
            "westminster2009-10-27a",
            "westminster2009-10-28a",
            f"2026-01-14_{DEBATE_ID}",
        ]
    )
    assert list(by_doc.loc["westminster2009-10-27a", "venue"]) == ["Westminster Hall"]
    assert list(by_doc.loc["debates2009-10-28c", "venue"]) == ["Commons Chamber"]
    assert list(by_doc.loc["debates2009-10-28c", "dates"]) == ["2009-10-28"]
    assert list(by_doc.loc[f"2026-01-14_{DEBATE_ID}", "dates"]) == ["2026-01-14"]
    assert (by_doc["n"] > 0).all()
