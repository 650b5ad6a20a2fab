"""`campaign-tracker brief`: a briefing (PDF or Word) for a theme, an ask or the filters, from the store."""

from __future__ import annotations

import sys
from pathlib import Path


def _milestones(args, theme_ids):
    """--milestones FILE, else the workspace's milestones.csv when there is one."""
    from ..milestones import MilestoneError, load_milestones, parse_milestones
    from ..workspace import default_workspace

    try:
        if args.milestones:
            try:
                text = args.milestones.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise MilestoneError(f"{args.milestones}: cannot be read as UTF-8 text ({exc})") from None
            return parse_milestones(text, str(args.milestones), theme_ids)
        return load_milestones(default_workspace(), theme_ids)
    except MilestoneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_brief(args) -> int:
    from ..model import failures
    from ..summary import FilterState, UnknownValue, resolve
    from ..workspace import _atomic_write  # written whole or not at all
    from . import BriefError, build_briefing, render

    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "docx"):
        print(f"error: {args.out}: the file name must end in .pdf or .docx", file=sys.stderr)
        return 2
    corpus = args.load(args)
    p = corpus.passages
    try:
        state = FilterState(
            venues=resolve(args.venues or (), set(p["venue"]), "venue"),
            speakers=resolve(args.speakers or (), set(p["speaker"]), "speaker"),
            documents=resolve(args.documents or (), set(p["document"]), "document"),
            date_from=args.date_from,
            date_to=args.date_to,
            include_undated=False if args.dated_only else (True if args.include_undated else None),
        )
        theme = resolve([args.theme], corpus.taxonomy.ids, "theme")[0] if args.theme else None
        briefing = build_briefing(
            corpus, state, theme=theme, ask_group=args.ask, milestones=_milestones(args, corpus.taxonomy.ids)
        )
    except (UnknownValue, BriefError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        _atomic_write(args.out, render(briefing, fmt))
    except OSError as exc:
        print(f"error: {args.out}: cannot be written ({exc.strerror or exc})", file=sys.stderr)
        return 2
    figures = ", ".join(f"{k.lower()} {v}" for k, v in briefing.figures)
    print(
        f"{briefing.title}: {figures}; {len(briefing.quotes)} quotations, {len(briefing.milestones)} milestones "
        f"-> {args.out}"
    )
    return 1 if failures(corpus.errors) else 0


def add_parser(sub, load, add_common, date) -> None:
    """``load``, ``add_common`` and ``date`` are core.cli's corpus loader, common arguments and date type (passed in,
    so core.cli imports this module and never the reverse). The filters' dests are plural (venues, speakers,
    documents): the loader reads a singular ``args.venue`` as the venue to give SOURCES that name none."""
    p = sub.add_parser("brief", help="a briefing for a meeting (PDF or Word) on a theme, an ask or the filters")
    add_common(p)
    p.add_argument("--theme", help="theme id (e.g. county_lines)")
    p.add_argument("--ask", help="an ask group id (the asks table's ask_group): a briefing on that ask")
    p.add_argument("--venue", dest="venues", action="append", help="venue (repeatable)")
    p.add_argument("--speaker", dest="speakers", action="append", help="speaker name (repeatable)")
    p.add_argument("--document", dest="documents", action="append", help="document id (repeatable)")
    p.add_argument("--from", dest="date_from", type=date, help="from date, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=date, help="to date, YYYY-MM-DD")
    p.add_argument("--dated-only", action="store_true", help="leave out undated passages")
    p.add_argument(
        "--include-undated",
        action="store_true",
        help="with --from/--to: count undated passages too (left out of a date range by default)",
    )
    p.add_argument(
        "--milestones",
        type=Path,
        help="a milestones CSV (date,label,themes,url; default: the workspace's milestones.csv)",
    )
    p.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.docx")
    p.set_defaults(func=cmd_brief, load=load)
