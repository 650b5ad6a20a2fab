"""`campaign-tracker fetch twfy|hansard-api`: the command-line side of the fetchers (parsers and the run)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..argtypes import iso_date as _date
from . import hansard_api, twfy
from .http import PoliteClient
from .jobs import Report


def _positive(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        v = -1.0
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0: {value!r}")
    return v


def _client(args) -> PoliteClient:
    return PoliteClient(rate=args.rate, retries=args.retries, backoff=args.backoff)


def _finish(report: Report, out: Path) -> int:
    for note in report.notes:
        print(note)
    for exc in report.failed:
        print(f"error: {exc.url}: {exc.reason}", file=sys.stderr)
    print(f"{report.line()} ({out})")
    if report.failed:
        print("run the same command again to fetch what failed (what is here is kept)", file=sys.stderr)
    return 0 if report.ok else 2


def _check_dates(args) -> None:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        print(f"error: --from {args.date_from} is after --to {args.date_to}", file=sys.stderr)
        raise SystemExit(2)


def cmd_twfy(args) -> int:
    try:
        series = twfy.series_names(args.series)
    except ValueError as exc:
        print(f"error: --series: {exc}", file=sys.stderr)
        return 2
    _check_dates(args)
    report = twfy.fetch(
        series,
        args.date_from,
        args.date_to,
        args.out,
        base_url=args.base_url,
        client=_client(args),
        progress=sys.stderr.isatty(),
    )
    return _finish(report, args.out)


def cmd_hansard_api(args) -> int:
    if not args.query.strip():
        print("error: --query is empty", file=sys.stderr)
        return 2
    _check_dates(args)
    report = hansard_api.fetch(
        args.query.strip(),
        args.date_from,
        args.date_to,
        args.out,
        base_url=args.base_url,
        house=args.house,
        client=_client(args),
        progress=sys.stderr.isatty(),
    )
    return _finish(report, args.out)


def _common(p: argparse.ArgumentParser, base_url: str) -> None:
    p.add_argument("--from", dest="date_from", type=_date, required=True, help="first sitting day, YYYY-MM-DD")
    p.add_argument(
        "--to", dest="date_to", type=_date, default=date.today(), help="last sitting day, YYYY-MM-DD (default: today)"
    )
    p.add_argument("--out", type=Path, required=True, help="the folder to fetch into (made when missing)")
    p.add_argument("--base-url", default=base_url, help=f"where to fetch from (default: {base_url})")
    p.add_argument("--rate", type=_positive, default=1.0, help="at most this many requests a second (default 1)")
    p.add_argument(
        "--retries",
        type=int,
        default=4,
        help="attempts after the first on HTTP 429 / 5xx and dropped connections (default 4)",
    )
    p.add_argument(
        "--backoff",
        type=float,
        default=2.0,
        help="seconds to wait before the first retry, doubled for each next one (default 2); "
        "a server's Retry-After is honoured instead",
    )


def add_parser(sub) -> None:
    """Add `fetch` and its two sources to the `campaign-tracker` sub-commands."""
    p = sub.add_parser(
        "fetch",
        help="download TheyWorkForYou XML or Hansard API debates into a folder to ingest",
        description="Download parliamentary records into a folder, politely (a rate limit, retries "
        "with back-off) and resumably (what is there is not fetched again); then run "
        "`campaign-tracker ingest` on the folder.",
    )
    src = p.add_subparsers(dest="source", required=True)
    t = src.add_parser("twfy", help="TheyWorkForYou's ParlParse XML, by series and dates (latest versions only)")
    t.add_argument(
        "--series",
        default="debates",
        help="comma-separated: " + ", ".join(twfy.SERIES) + " (default: debates; 'lords' = lordspages)",
    )
    _common(t, twfy.DEFAULT_BASE_URL)
    t.set_defaults(func=cmd_twfy)
    h = src.add_parser("hansard-api", help="Hansard API debates matching a search term between two dates")
    h.add_argument("--query", required=True, help='the search term, e.g. "county lines"')
    h.add_argument("--house", choices=("Commons", "Lords"), help="one house only (default: both)")
    _common(h, hansard_api.DEFAULT_BASE_URL)
    h.set_defaults(func=cmd_hansard_api)


__all__ = ["add_parser"]
