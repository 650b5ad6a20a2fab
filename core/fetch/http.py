"""A polite HTTP client for the fetchers (standard library only: ``urllib``).

* **Rate limit**: at most ``rate`` requests a second (default 1), retries included: a request waits until
  ``1 / rate`` seconds have passed since the one before.
* **User-Agent**: ``campaign-tracker/<version> (...)`` so a site's operators can see what is asking.
* **Retries with exponential back-off** on HTTP 429 and 5xx, refused / reset / dropped connections, timeouts and
  bodies shorter than their ``Content-Length``: waits ``backoff``, ``2 × backoff``, ``4 × backoff`` … (at most
  ``max_backoff``) between attempts, ``retries`` times. A ``Retry-After`` header (seconds or an HTTP date) is
  honoured instead of the back-off; one longer than ``max_wait`` is not waited for: the request fails, naming it.
  Other HTTP errors (404, 403 …) fail at once.
* **Atomic downloads**: ``download(url, dest)`` writes to a hidden ``.<name>.part`` beside ``dest`` and renames it to
  ``dest`` only when the whole body has arrived (and, when given, ``check(data)`` accepts it), so an interrupted run
  (a failure, Ctrl-C or a kill) never leaves a half file under the final name. The body is held in memory until
  complete (a sitting's XML is a few MB); a leftover ``.part`` is overwritten by the next run, and hidden files are
  not read by ``campaign-tracker ingest``.
* gzip: asks for ``Accept-Encoding: gzip`` (less traffic for the site) and decompresses what comes back gzipped.

Failures raise ``FetchError(url, reason)``; ``str()`` gives "URL: reason".
"""

from __future__ import annotations

import email.utils
import http.client
import os
import socket
import time
import urllib.error
import urllib.request
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .. import __version__

USER_AGENT = f"campaign-tracker/{__version__} (UK parliamentary records for policy campaigners; Python urllib)"
#: the statuses worth asking again for: too many requests, and server-side failures
RETRY_STATUS = {429, 500, 502, 503, 504}
_CHUNK = 1 << 16


class FetchError(Exception):
    """A URL that could not be fetched, and why."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason = url, reason


class _Retry(Exception):
    """A failure worth another attempt; ``wait`` is the server's Retry-After in seconds, when it gave one."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.reason, self.wait = reason, wait


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header in seconds (it is either a number of seconds or an HTTP date); None when absent or
    unreadable.

    >>> retry_after("7")
    7.0
    >>> retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc))
    10.0
    >>> retry_after("soon") is None
    True
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _status_reason(code: int, msg: str) -> str:
    return f"HTTP {code}" + (f" {msg}" if msg else "")


class PoliteClient:
    """GET requests at a limited rate with retries; see the module's docstring.

    ``sleep`` and ``clock`` are injectable so tests can record the waits instead of sleeping.
    """

    def __init__(
        self,
        rate: float = 1.0,
        retries: int = 4,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        max_wait: float = 300.0,
        timeout: float = 60.0,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if rate <= 0:
            raise ValueError(f"the rate must be above 0 requests a second (got {rate})")
        if retries < 0 or backoff < 0:
            raise ValueError("retries and back-off cannot be negative")
        self.interval = 1.0 / rate
        self.retries, self.backoff, self.max_backoff, self.max_wait = retries, backoff, max_backoff, max_wait
        self.timeout, self.user_agent = timeout, user_agent
        self.sleep, self.clock = sleep, clock
        self.requests = 0
        self._next = 0.0

    def _wait_turn(self) -> None:
        wait = self._next - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._next = self.clock() + self.interval

    def _attempt(self, url: str, sink: Callable[[bytes], None]) -> None:
        """One request; the body goes to ``sink`` chunk by chunk (decompressed). Raises _Retry or FetchError."""
        self._wait_turn()
        self.requests += 1
        req = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                length = resp.headers.get("Content-Length")
                gz = zlib.decompressobj(16 + zlib.MAX_WBITS) if resp.headers.get("Content-Encoding") == "gzip" else None
                got = 0
                while chunk := resp.read(_CHUNK):
                    got += len(chunk)
                    sink(gz.decompress(chunk) if gz else chunk)
                if length and length.isdigit() and got < int(length):
                    raise _Retry(f"connection closed after {got:,} of {int(length):,} bytes")
                if gz:
                    sink(gz.flush())
                    if not gz.eof:
                        raise _Retry("the gzipped body ends early")
        except urllib.error.HTTPError as exc:
            reason = _status_reason(exc.code, exc.reason if isinstance(exc.reason, str) else "")
            if exc.code in RETRY_STATUS:
                raise _Retry(reason, retry_after(exc.headers.get("Retry-After") if exc.headers else None)) from None
            raise FetchError(url, reason) from None
        except http.client.IncompleteRead as exc:
            raise _Retry(
                f"connection closed after {len(exc.partial):,} bytes"
                + (f" ({exc.expected:,} more expected)" if exc.expected else "")
            ) from None
        except zlib.error as exc:
            raise _Retry(f"the gzipped body is damaged ({exc})") from None
        except urllib.error.URLError as exc:
            raise _Retry(f"cannot connect ({exc.reason})") from None
        except (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, OSError) as exc:
            raise _Retry(f"connection failed ({type(exc).__name__}: {exc})".replace(": )", ")")) from None

    def get(self, url: str, check: Callable[[bytes], str | None] | None = None) -> bytes:
        """The body of ``url``, retried as described above; FetchError when it cannot be had.

        ``check(data)`` returns None when the body is what was asked for, else the reason it is not; such a body is
        retried like a dropped connection (it catches a body cut short without a ``Content-Length``).
        """
        for attempt in range(self.retries + 1):
            parts: list[bytes] = []
            try:
                self._attempt(url, parts.append)
                data = b"".join(parts)
                problem = check(data) if check else None
                if problem:
                    raise _Retry(problem)
                return data
            except _Retry as exc:
                if attempt == self.retries:
                    tries = f"{self.retries + 1} attempts" if self.retries else "1 attempt"
                    raise FetchError(url, f"{exc.reason} (gave up after {tries})") from None
                if exc.wait is not None and exc.wait > self.max_wait:
                    raise FetchError(
                        url,
                        f"{exc.reason}; the server asks to retry after {exc.wait:.0f} s, "
                        f"longer than the {self.max_wait:.0f} s this client waits",
                    ) from None
                delay = exc.wait if exc.wait is not None else min(self.max_backoff, self.backoff * (2**attempt))
                if delay > 0:
                    self.sleep(delay)
        raise AssertionError("unreachable")

    def download(self, url: str, dest: Path, check: Callable[[bytes], str | None] | None = None) -> int:
        """Fetch ``url`` into ``dest`` atomically (see the module's docstring); returns the bytes written."""
        data = self.get(url, check)
        dest = Path(dest)
        part = dest.with_name(f".{dest.name}.part")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, dest)
        except OSError as exc:
            raise FetchError(url, f"cannot write {dest} ({exc.strerror or exc})") from None
        finally:
            part.unlink(missing_ok=True)
        return len(data)


__all__ = ["FetchError", "PoliteClient", "USER_AGENT", "retry_after"]
