"""Waiting on Streamlit's own signals, never on fixed sleeps.

The app root (``stApp``) carries ``data-test-script-state``: ``initial`` before the first run, ``running`` while the
script (or a fragment) runs, ``notRunning`` when it is done; elements left from the previous run are marked
``data-stale``. A run is the server's answer to a message from the page: ``rerun`` sees that it began from the
attribute changing, or, for a run so quick that the browser drew its start and its end at once (the attribute never
changes in the page), from the messages the page's websocket received after the action (counted by
``COUNT_MESSAGES``, added to every page of a context with ``new_context``).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

T = 60_000

_WATCH = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  window.__stRuns = 0;
  if (window.__stWatch) window.__stWatch.disconnect();
  // every record is a change of the run state: a run began or ended (the state read when the callback runs
  // would miss a run that began and ended within one task)
  window.__stWatch = new MutationObserver((records) => { window.__stRuns += records.length; });
  window.__stWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


#: run before the page's own scripts: the messages the page's websockets receive are counted in ``__stIn``, those
#: they send in ``__stOut``
COUNT_MESSAGES = """(() => {
  window.__stIn = 0;
  window.__stOut = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__stIn += 1; });
    }
    send(data) {
      window.__stOut += 1;
      return super.send(data);
    }
  };
})()"""

#: ms to wait for the message an action makes the page send before doing the action once more
SENT_MS = 10_000


def new_context(browser, **options):
    """A browser context whose pages count their websocket messages (``COUNT_MESSAGES``), for ``rerun``."""
    ctx = browser.new_context(**options)
    ctx.add_init_script(COUNT_MESSAGES)
    return ctx


def settled(page, timeout: int = T) -> None:
    """The page has finished its run: script not running, nothing stale, no status widget."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=true]') && !document.querySelector('[data-testid=stStatusWidget]')",
        timeout=timeout,
    )


def goto(page, url: str) -> None:
    page.goto(url)
    settled(page)


def rerun(page, action, timeout: int = T, again: bool = True) -> None:
    """Do ``action`` (a click, a key press) and wait for the run it starts to finish; with ``again``, an action
    the page sent nothing for is done once more (``act``)."""
    page.evaluate(_WATCH)
    before = page.evaluate("() => window.__stIn ?? -1")  # -1: a page that does not count its messages
    if again:
        act(page, action)
    else:
        action()
    try:
        page.wait_for_function(
            "(n) => window.__stRuns > 0 || (n >= 0 && window.__stIn > n)", arg=before, timeout=timeout
        )
    except Exception:  # what the page showed, for the failure's report
        shot = ARTIFACTS / "no-run.png"
        page.screenshot(path=str(shot), full_page=True)
        state = page.get_by_test_id("stApp").get_attribute("data-test-script-state")
        print(f"no run began within {timeout} ms of the action at {page.url} (script state {state}); see {shot.name}")
        raise
    settled(page, timeout)


def act(page, action) -> None:
    """Do ``action``, which makes the page send the server a message (a rerun, a download's request). Under load
    the browser has been seen to drop a click or a key press: the page sent nothing, so nothing had happened; the
    action is then done once more, saying so. An action the page did send is never repeated."""
    sent = page.evaluate("() => window.__stOut ?? -1")  # -1: a page that does not count its messages
    if hasattr(page, "note"):
        page.note("action")
    action()
    if sent < 0:
        return
    try:
        page.wait_for_function("(n) => window.__stOut > n", arg=sent, timeout=SENT_MS)
    except PlaywrightTimeout:
        print(f"the page sent nothing within {SENT_MS} ms of the action at {page.url}; doing it once more")
        if hasattr(page, "note"):
            page.note("action again")
        action()


def download(page, button, timeout: int = T):
    """Click a download ``button`` whose click sends the server a message (one that reruns the app, or whose file
    is made when asked for); the download it gives (a Playwright ``Download``)."""
    with page.expect_download(timeout=timeout) as d:
        act(page, button.click)
    return d.value


def upload(page, path, button: str, uploader=None, timeout: int = T) -> None:
    """Give ``path`` to a file uploader (default: the page's first) and wait for the run it starts and for
    ``button``, which the view shows once the file has arrived. On a loaded machine Streamlit's own upload
    (a request per file, then a rerun) has been seen never to arrive; it is tried once more, saying so, before
    the test fails."""
    box = uploader if uploader is not None else page.get_by_test_id("stFileUploader").first
    target = page.get_by_role("button", name=button)
    for attempt in (1, 2):
        box.locator("input[type=file]").set_input_files(str(path))
        try:
            expect(target).to_be_visible(timeout=timeout // 2 if attempt == 1 else timeout)
            settled(page, timeout)
            return
        except AssertionError:
            if attempt == 2:
                raise
            print(f"upload of {path} did not arrive; trying once more")
            box.locator("input[type=file]").set_input_files([])
