"""The dashboard on a large store in the real browser: first page, then interactions, as a user waits for them.

    python benchmarks/bench_browser.py [--passages 1000000] [--repeat 5] [--store PATH]

Builds a store of N passages as benchmarks/bench_store.py does (or uses ``--store``) with its search index, starts
the app on it (``streamlit run``, ``CAMPAIGN_TRACKER_STORE``: read-only) and drives Debian's chromium with
Playwright. Times, on this machine, from the action to the page settled by Streamlit's own signals (the script or
fragment run it started is over, nothing stale, no status widget; Playwright's round trips, a few ms, included):
- server_first_s: the server's first page (store opened, text-less frame read, Overview drawn);
- cold_start_s: a new browser session's first page once the server is up (a user opening a shared link);
- <interaction>_median_ms over ``2 * repeat`` runs: a theme picked / cleared in the sidebar (theme_filter), the
  Overview's timeline bins (overview_bins, a fragment), a search typed in the sidebar (search), a page of the
  Passages view's cards (passages_page, a fragment); <interaction>_server_median_ms: of that, from the browser's
  message to the server's last message back (the run on the server and the messages' transit); the rest is the
  browser's (the event, drawing the page, Playwright's round trips); click_alone_median_ms: a click that starts
  no run (the option already chosen), Playwright's own share of a click.
The last line is one JSON object. Needs chromium at /usr/bin/chromium (or CHROMIUM_PATH) and Playwright for Python.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_store import report, store_arg  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.e2e.conftest import ARGS, CHROMIUM, streamlit_server  # noqa: E402
from tests.e2e.wait import new_context, rerun, settled  # noqa: E402

LONG = 600_000  # ms: a first page on a big store under load


#: (time, "in" or "out") of every websocket message of the page, to tell the server's share of a wait
FRAMES: list[tuple[float, str]] = []
SERVER: dict[str, list[float]] = {}


def watch(page) -> None:
    page.on(
        "websocket",
        lambda ws: (
            ws.on("framesent", lambda _f: FRAMES.append((time.perf_counter(), "out"))),
            ws.on("framereceived", lambda _f: FRAMES.append((time.perf_counter(), "in"))),
        ),
    )


def timed(fn, name: str = "") -> float:
    """Milliseconds ``fn`` took; with ``name``, also the server's share (from the browser's message to the last
    message back) is kept under that name."""
    FRAMES.clear()
    t = time.perf_counter()
    fn()
    total = (time.perf_counter() - t) * 1000
    sent = [f for f, d in FRAMES if d == "out"]
    back = [f for f, d in FRAMES if d == "in" and sent and f >= sent[0]]
    if name and back:
        SERVER.setdefault(name, []).append((back[-1] - sent[0]) * 1000)
    return total


LOST: list[str] = []


class Lost(Exception):
    pass


def run(page, action, name: str) -> None:
    """``rerun(page, action)``; an action that starts no run within 15 s (no change of the run state and no message
    back from the server) is counted as lost (``lost_actions``), its page's screenshot kept, and the page opened
    again."""
    try:
        rerun(page, action, timeout=15_000, again=False)
    except PlaywrightTimeout:
        LOST.append(name)
        shot = Path(tempfile.gettempdir()) / f"bench-browser-lost-{len(LOST)}.png"
        page.screenshot(path=str(shot))
        print(f"lost: {name} (the page's address: {page.url}; its screenshot: {shot})")
        page.goto(page.url)
        settled(page, LONG)
        raise Lost from None


def step(out: dict, name: str, page, action) -> None:
    """Time ``action`` (its run included) under ``name``; a lost action is left out of the figures."""
    try:
        out.setdefault(name, []).append(timed(lambda: run(page, action, name), name))
    except Lost:
        pass


def interactions(page, url: str, repeat: int, themes: list[str]) -> dict:
    out: dict[str, list[float]] = {}
    watch(page)
    sb = page.get_by_test_id("stSidebar")

    def theme_step(i: int) -> None:
        box = sb.get_by_test_id("stMultiSelect").first
        if i % 2:  # pick a theme: from the click on its option (the list closed after)
            box.get_by_role("combobox").click()
            page.keyboard.type(themes[(i // 2) % len(themes)])
            option = page.get_by_role("option", name=themes[(i // 2) % len(themes)])

            def pick() -> None:
                option.click()
                page.keyboard.press("Escape")

            step(out, "theme_filter", page, pick)
        else:  # take it off again (its tag's remove button)
            name = themes[(i // 2 - 1) % len(themes)]
            remove = box.get_by_role("button", name=f"Remove {name}")
            step(out, "theme_filter", page, remove.click)

    page.goto(url)
    settled(page, LONG)
    for i in range(1, 2 * repeat + 1):
        theme_step(i)
    radio = page.get_by_test_id("stMain").get_by_test_id("stRadio").first
    for i in range(1, 2 * repeat + 1):
        label = radio.get_by_text(["month", "quarter", "year"][i % 3], exact=True)
        step(out, "overview_bins", page, label.click)
    chosen = radio.get_by_text(["month", "quarter", "year"][(2 * repeat) % 3], exact=True)
    out["click_alone"] = [timed(chosen.click) for _ in range(5)]  # the chosen option again: no run, only the click
    search = sb.get_by_label("Search text")
    for i in range(1, 2 * repeat + 1):
        search.fill(['"county lines"', "Ofsted inspect*", '"looked after" AND placement*', ""][i % 4])
        step(out, "search", page, lambda: search.press("Enter"))
    page.goto(f"{url}/passages?themes=county_lines")
    settled(page, LONG)
    pager = page.get_by_test_id("stMain").get_by_label("Page (of", exact=False).last
    for i in range(1, 2 * repeat + 1):
        pager.fill(str(1 + (i * 7919) % 400))
        step(out, "passages_page", page, lambda: pager.press("Enter"))
    return (
        {f"{k}_median_ms": round(statistics.median(v), 1) for k, v in out.items()}
        | {f"{k}_server_median_ms": round(statistics.median(v), 1) for k, v in SERVER.items()}
        | {f"{k}_max_ms": round(max(v), 1) for k, v in out.items()}
        | {"lost_actions": len(LOST), "lost_in": sorted(set(LOST))}
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--store", type=Path, help="an existing store (default: build one of --passages passages)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from core.store import Store
    from core.store.search import SearchIndex

    tmp = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    out: dict = {}
    try:
        db = store_arg(args, tmp)
        t = time.perf_counter()
        with Store(db) as store:
            SearchIndex(db).sync(store)
            out["passages"] = store.con.execute("SELECT count(*) FROM passages").fetchone()[0]
        print(f"search index ready in {time.perf_counter() - t:.1f} s")
        env = {"CAMPAIGN_TRACKER_STORE": str(db), "CAMPAIGN_TRACKER_DATA": str(tmp / "workspace")}
        with streamlit_server(env) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", CHROMIUM), args=ARGS)
            ctx = new_context(browser, viewport={"width": 1400, "height": 1100})
            page = ctx.new_page()
            page.set_default_timeout(LONG)
            t = time.perf_counter()
            page.goto(url)
            settled(page, LONG)
            out["server_first_s"] = round(time.perf_counter() - t, 2)
            colds = []
            for _ in range(3):
                fresh = new_context(browser, viewport={"width": 1400, "height": 1100})
                pg = fresh.new_page()
                t = time.perf_counter()
                pg.goto(url)
                settled(pg, LONG)
                colds.append(time.perf_counter() - t)
                fresh.close()
            out["cold_start_s"] = round(statistics.median(colds), 2)
            out.update(interactions(page, url, args.repeat, ["County lines", "Looked-after children"]))
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(out)


if __name__ == "__main__":
    main()
