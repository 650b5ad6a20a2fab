"""`campaign-tracker` command line: a thin client over core.pipeline."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from .argtypes import iso_date
from .export import ExportError, write_file, write_tables
from .model import failures
from .pipeline import DEFAULT_SOURCES, Corpus

DEFAULT_DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"  # the seeds' labelled paragraphs (package data)


def _taxonomy(args):
    if not getattr(args, "taxonomy", None):
        return None
    from tqdm import tqdm

    from .tagging import Tagger, tagger_for
    from .taxonomy import TaxonomyError, load_taxonomy

    try:
        taxonomy = load_taxonomy(args.taxonomy)
        bar = None
        if taxonomy.size_warning():  # a large taxonomy: said, and its compiling shown step by step
            print(f"warning: {taxonomy.size_warning()}", file=sys.stderr)
            bar = tqdm(
                total=len(Tagger.STEPS),
                desc="compiling the taxonomy",
                unit="step",
                file=sys.stderr,
                disable=not sys.stderr.isatty(),
            )
        tagger_for(taxonomy, progress=bar and (lambda step: (bar.set_postfix_str(step), bar.update(1))))
        if bar is not None:
            bar.close()
    except TaxonomyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return taxonomy


def _open_store(path: Path, write: bool):
    from .store import Store, StoreError

    try:
        return Store(path, write=write)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _progress():
    """A tqdm progress bar on stderr with counts (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    bar = None

    def update(n: int, total: int, name: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="file", desc="ingest", file=sys.stderr, disable=not sys.stderr.isatty())
        bar.n = n
        bar.set_postfix_str(name[-40:], refresh=True)
        if n >= total:
            bar.close()

    return update


def _load(args) -> Corpus:
    """The corpus a command reads: SOURCES through a temporary store when given, else the store
    (--store / $CAMPAIGN_TRACKER_STORE / data/campaign.duckdb) when it exists, else the bundled seeds."""
    import tempfile

    from .pipeline import corpus_from_store, ingest, store_path

    taxonomy = _taxonomy(args)
    path = store_path(getattr(args, "store", None))
    if not args.sources and path.exists():
        with _open_store(path, write=taxonomy is not None) as store:
            errors = []
            if taxonomy is not None:
                _counts, errors = ingest(store, [], taxonomy=taxonomy)
            corpus = corpus_from_store(store, taxonomy)
            corpus.errors = errors
            return corpus
    if not args.sources and getattr(args, "store", None):
        print(
            f"error: {path}: no store here yet (make one with: campaign-tracker ingest SOURCES --store {path})",
            file=sys.stderr,
        )
        raise SystemExit(2)
    with tempfile.TemporaryDirectory(prefix="campaign-tracker-") as tmp:
        with _open_store(Path(tmp) / "store.duckdb", write=True) as store:
            with _engine(args) as engine:
                _counts, errors = ingest(
                    store, args.sources or DEFAULT_SOURCES, taxonomy=taxonomy, overrides=_overrides(args), engine=engine
                )
            corpus = corpus_from_store(store, taxonomy)
    corpus.errors = errors
    _report(errors)
    return corpus


def _overrides(args) -> dict | None:
    """--date / --venue: metadata for the SOURCES given, where the documents give none (validated; exit 2 when wrong)."""
    raw = {k: v for k in ("date", "venue") if (v := getattr(args, f"set_{k}", None))}
    if not raw:
        return None
    from .sources.metadata import validate

    try:
        if not args.sources:
            raise ValueError("they apply to the SOURCES given on the command line; name the files")
        return validate(raw, "/".join(f"--{k}" for k in raw))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _add_metadata(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--date", dest="set_date", help="date of the documents given where they give none (YYYY-MM-DD, YYYY-MM or YYYY)"
    )
    p.add_argument(
        "--venue", dest="set_venue", help="venue of the documents given where they give none (e.g. 'Press release')"
    )


def _add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where files are read and tagged: local processes (default) or a Dask cluster",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="local: processes (default: one per core); dask without "
        "--scheduler: workers of a cluster on this machine (default 2)",
    )
    p.add_argument("--scheduler", help="dask: the scheduler's address, e.g. tcp://10.0.0.5:8786")


@contextmanager
def _engine(args):
    """The engine --engine / --workers / --scheduler ask for (closed after use); exit 2 when it cannot start."""
    from .engine import EngineError, make_engine

    try:
        engine = make_engine(
            getattr(args, "engine", "local"), getattr(args, "workers", None), getattr(args, "scheduler", None)
        )
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        yield engine
    finally:
        engine.close()


def _report(errors) -> None:
    for err in errors:
        print(f"{'note' if err.notice else 'error'}: {err}", file=sys.stderr)


def cmd_ingest(args) -> int:
    from .pipeline import ingest, store_path

    taxonomy = _taxonomy(args)
    path = store_path(args.store)
    with _open_store(path, write=True) as store:
        with _engine(args) as engine:
            counts, errors = ingest(
                store, args.sources, taxonomy=taxonomy, progress=_progress(), overrides=_overrides(args), engine=engine
            )
        total = store.count("passages")
        from .store.search import SearchIndex

        SearchIndex(path).sync(store)
        from .store import framecache
        from .taxonomy import default_taxonomy

        framecache.warm(
            store, (taxonomy or default_taxonomy()).ids
        )  # the dashboard's first open of this version reads it
    _report(errors)
    print(f"{counts.line()}; the store holds {total:,} passages ({path})")
    return 1 if failures(errors) else 0


def cmd_search(args) -> int:
    import textwrap

    from .pipeline import store_path
    from .store.search import QueryError, SearchIndex

    path = store_path(args.store)
    with _open_store(path, write=False) as store:
        try:
            n, hits = SearchIndex(path).search(store, args.query, limit=args.limit, order=args.order)
        except QueryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        meta = {
            r[0]: r[1:]
            for r in store.con.execute(
                "SELECT passage_id, venue, speaker FROM passages WHERE passage_id IN (SELECT unnest(?))",
                [[h.passage_id for h in hits] or [""]],
            ).fetchall()
        }
    print(f"{n:,} passage{'s' if n != 1 else ''} match {args.query!r}" + (f"; the first {len(hits)}:" if hits else ""))
    for h in hits:
        venue, speaker = meta.get(h.passage_id, ("", ""))
        print(
            f"\n{h.date or 'undated'} · {venue or '(unknown venue)'} · {speaker or '(unknown speaker)'} · {h.passage_id}"
        )
        print(textwrap.fill(h.snippet_text(), width=100, initial_indent="  ", subsequent_indent="  "))
    return 0


def cmd_remove(args) -> int:
    from .pipeline import ingest, store_path

    path = store_path(args.store)
    if not path.exists():
        print(f"error: {path}: no store here", file=sys.stderr)
        return 2
    with _open_store(path, write=True) as store:
        known = set(store.hashes())
        missing = [d for d in args.documents if d not in known]
        counts, _errors = ingest(store, [], remove=[d for d in args.documents if d in known], taxonomy=_taxonomy(args))
    for d in missing:
        print(f"error: no document '{d}' in {path}", file=sys.stderr)
    print(f"{counts.removed} removed ({path})")
    return 2 if missing else 0


def export_tables(corpus: Corpus) -> dict:
    tables = {"passages.csv": corpus.passages}
    if corpus.tags is not None:
        from .summary import theme_summary

        tables["tags.csv"] = corpus.tags
        tables["theme_summary.csv"] = theme_summary(corpus)
    if corpus.asks is not None:
        from .asks import ask_summary

        tables["asks.csv"] = corpus.asks
        tables["ask_summary.csv"] = ask_summary(corpus)
    return tables


def cmd_export(args) -> int:
    corpus = _load(args)
    try:
        written = write_tables(args.out, export_tables(corpus))
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {args.out}: cannot write the tables there ({exc.strerror or exc})", file=sys.stderr)
        return 2
    n = len(corpus.passages)
    print(
        f"{len(corpus.documents)} documents, {n} passages ({len(corpus.duplicates)} duplicates) -> "
        + ", ".join(str(p) for p in written)
    )
    if failures(corpus.errors):
        print(f"{len(failures(corpus.errors))} file(s) failed; the others were exported", file=sys.stderr)
        return 1
    return 0


def cmd_check(args) -> int:
    corpus = _load(args)
    docs = corpus.documents_frame()
    print(docs.to_string(index=False) if len(docs) else "no documents")
    return 1 if failures(corpus.errors) else 0


def cmd_summary(args) -> int:
    import textwrap

    from .summary import FilterState, UnknownValue, describe, fit_table, resolve, theme_summary, undated_left_out

    corpus = _load(args)
    p = corpus.passages
    try:  # a mistyped name is an error with the nearest one suggested; venues and speakers match in any case
        state = FilterState(
            themes=resolve(args.theme or (), corpus.taxonomy.ids, "theme"),
            venues=resolve(args.venue or (), set(p["venue"]), "venue"),
            speakers=resolve(args.speaker or (), set(p["speaker"]), "speaker"),
            documents=resolve(args.document or (), set(p["document"]), "document"),
            date_from=args.date_from,
            date_to=args.date_to,
            include_undated=False if args.dated_only else (True if args.include_undated else None),
        )
    except UnknownValue as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table = theme_summary(corpus, state)
    if args.csv:  # written first: a reader of the printout that stops early (`| head`) does not stop it
        write_file(args.csv, table)
    print(describe(state, int(table["passages"].sum()), corpus.taxonomy.labels, "theme mentions"))
    left = undated_left_out(p, state) if state.has_range else 0
    if left:
        print(
            f"+{left} undated passage{'s' if left != 1 else ''}, not placed in this range (--include-undated "
            "to count them)"
        )
    cols = ["id", "passages", "documents", "first_date", "last_date", "undated"]
    print(fit_table(table[cols].rename(columns={"first_date": "first", "last_date": "last"})))
    for row in table[table["passages"] > 0].itertuples():  # who and where, wrapped to 100 columns
        print(
            textwrap.fill(
                f"{row.id} · venues: {row.venues} · speakers: {row.speakers}",
                width=100,
                subsequent_indent="    ",
                break_on_hyphens=False,
            )
        )
    return 1 if failures(corpus.errors) else 0


_date = iso_date  # the --from / --to type


def cmd_evaluate(args) -> int:
    from .evaluate import align, load_dev, theme_scores
    from .pipeline import store_path
    from .evaluate import evaluation_corpus, labelled_themes
    from .store import StoreError

    try:
        rows = load_dev(args.dev)
        # labels align to source lines (the sources are read), or, in an export of review decisions, to passage
        # ids (the store is read when no SOURCES are given)
        corpus, rows, missing = evaluation_corpus(rows, args.sources, store_path(args.store), _taxonomy(args))
    except (OSError, ValueError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if missing:
        print(
            f"note: {len(missing)} labelled passage(s) of {args.dev.name} are not in these documents and are not "
            f"scored (e.g. {missing[0]})",
            file=sys.stderr,
        )
    aligned = align(corpus, rows)
    print(f"Theme tagging on {args.dev.name} ({len(rows)} paragraphs; 'unsure' not scored)")
    print(
        theme_scores(aligned, labelled_themes(rows)).to_string(
            index=False, float_format=lambda x: f"{x:.3f}", na_rep="n/a"
        )
    )
    if args.errors:
        from .evaluate import error_report

        print("\nErrors: the paragraphs each theme missed or tagged wrongly (dev id, passage id, text, evidence)")
        print(error_report(aligned, corpus.tags))
    try:
        from .asks import ask_scores
    except ImportError:
        return 0
    det, grp = ask_scores(corpus, rows)
    print("\nAsk detection (certain asks; optional asks neither required nor penalised)")
    print(det.to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="n/a"))
    print("\nAsk grouping (pairwise same-group decisions)")
    print(grp.to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="n/a"))
    return 0


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store", type=Path, help="the store file (default: $CAMPAIGN_TRACKER_STORE or data/campaign.duckdb)"
    )


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "sources",
        nargs="*",
        type=Path,
        help="files or directories (default: what the store holds, else the bundled seeds/)",
    )
    p.add_argument("--taxonomy", type=Path, help="a taxonomy TOML file (replaces or extends the default)")
    _add_store(p)


def cmd_review(args) -> int:
    """Confirm, reject or move asks and theme tags; list the decisions; export them as labelled JSONL."""
    from .pipeline import corpus_from_store, store_path
    from .review import ReviewError, export_rows, review_ask, review_tag, write_jsonl

    path = store_path(args.store)
    if not path.exists():
        print(
            f"error: {path}: no store here yet (make one with: campaign-tracker ingest SOURCES --store {path})",
            file=sys.stderr,
        )
        return 2
    if args.what in ("list", "export"):
        with _open_store(path, write=False) as store:
            corpus = corpus_from_store(store, _taxonomy(args))
            if args.what == "export":
                rows = export_rows(store, corpus)
        if args.what == "export":
            try:
                write_jsonl(rows, args.out)
            except OSError as exc:
                print(f"error: {args.out}: cannot be written ({exc.strerror or exc})", file=sys.stderr)
                return 2
            print(
                f"{len(rows)} labelled passage(s) -> {args.out} (score the detector on them: campaign-tracker "
                f"evaluate --dev {args.out})"
            )
            return 0
        dec = corpus.reviews
        if not len(dec):
            print(f"no review decisions in {path}")
            return 0
        cols = ["target", "item_id", "decision", "group", "reviewer", "reviewed_at", "state", "note"]
        print(dec[cols].to_string(index=False, max_colwidth=60))
        return 0
    try:
        with _open_store(path, write=True) as store:
            if args.what == "ask":
                version = review_ask(
                    store,
                    args.item,
                    args.decision,
                    group=args.group,
                    label=args.label,
                    note=args.note,
                    reviewer=args.by,
                    taxonomy=_taxonomy(args),
                )
                item = args.item
            else:
                version = review_tag(
                    store,
                    args.item,
                    args.theme,
                    args.decision,
                    note=args.note,
                    reviewer=args.by,
                    taxonomy=_taxonomy(args),
                )
                item = f"{args.item} {args.theme}"
    except ReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    done = (
        "cleared"
        if args.decision == "clear"
        else {"confirm": "confirmed", "reject": "rejected", "move": f"moved to {getattr(args, 'group', '')}"}[
            args.decision
        ]
    )
    print(f"{args.what} {item}: {done} (store version {version})")
    return 0


def _add_review(sub) -> None:
    p = sub.add_parser("review", help="confirm, reject or move asks and theme tags (stored, applied to every count)")
    rs = p.add_subparsers(dest="what", required=True)
    ask = rs.add_parser("ask", help="ASK_ID confirm|reject|move GROUP|clear")
    ask.add_argument("item", metavar="ASK_ID", help="passage id + '/s' + sentence number (the asks table's ask_id)")
    ask.add_argument("decision", choices=("confirm", "reject", "move", "clear"))
    ask.add_argument("group", nargs="?", help="for move: a named ask id or an existing group id")
    ask.add_argument("--label", help="for move to a new group: its label")
    tag = rs.add_parser("tag", help="PASSAGE_ID THEME confirm|reject|clear")
    tag.add_argument("item", metavar="PASSAGE_ID")
    tag.add_argument("theme", metavar="THEME", help="theme id")
    tag.add_argument("decision", choices=("confirm", "reject", "clear"))
    for q in (ask, tag):
        q.add_argument("--note", default="", help="why (kept with the decision)")
        q.add_argument("--by", help="who decides (default: $CAMPAIGN_TRACKER_REVIEWER or the login name)")
    rs.add_parser("list", help="every decision and whether it applies")
    out = rs.add_parser("export", help="the decisions as labelled JSONL (the dev set's shape) for evaluate --dev")
    out.add_argument("--out", type=Path, required=True, help="the JSONL file to write")
    for q in (ask, tag, rs.choices["list"], out):
        q.add_argument("--taxonomy", type=Path, help="the taxonomy the store was tagged with (default: built-in)")
        _add_store(q)
    p.set_defaults(func=cmd_review)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaign-tracker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="read SOURCES into the store: unchanged files skipped, changed ones replaced")
    p.add_argument("sources", nargs="+", type=Path, help="files or directories")
    p.add_argument("--taxonomy", type=Path, help="a taxonomy TOML file (re-tags the stored text when it changes)")
    _add_metadata(p)
    _add_store(p)
    _add_engine(p)
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("search", help='search the store: words, "phrases", AND / OR / NOT, prefix*')
    p.add_argument("query", help="e.g. '\"county lines\" AND Ofsted NOT London'")
    p.add_argument("--limit", type=int, default=10, help="how many results to show (default 10)")
    p.add_argument("--order", choices=("rank", "date"), default="rank", help="best match first, or newest first")
    _add_store(p)
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("remove", help="take documents (by id: the file name without extension) out of the store")
    p.add_argument("documents", nargs="+", help="document ids")
    p.add_argument("--taxonomy", type=Path, help=argparse.SUPPRESS)
    _add_store(p)
    p.set_defaults(func=cmd_remove)
    p = sub.add_parser("export", help="write passages.csv (and tags, theme summary, asks) to --out DIR")
    _add_common(p)
    p.add_argument("--out", type=Path, required=True, help="output directory")
    _add_metadata(p)
    _add_engine(p)
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("check", help="list documents, their layouts and data-quality flags")
    _add_common(p)
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("summary", help="print the theme summary (canonical passages only)")
    _add_common(p)
    p.add_argument("--theme", action="append", help="theme id (repeatable)")
    p.add_argument("--venue", action="append", help="venue (repeatable)")
    p.add_argument("--speaker", action="append", help="speaker name (repeatable)")
    p.add_argument("--document", action="append", help="document id (repeatable)")
    p.add_argument("--from", dest="date_from", type=_date, help="from date, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_date, help="to date, YYYY-MM-DD")
    p.add_argument("--dated-only", action="store_true", help="leave out undated passages")
    p.add_argument(
        "--include-undated",
        action="store_true",
        help="with --from/--to: count undated passages too (left out of a date range by default)",
    )
    p.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser("evaluate", help="precision / recall / F1 against a labelled dev set")
    _add_common(p)
    p.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="labelled JSONL (default: the bundled copy)")
    p.add_argument(
        "--errors",
        action="store_true",
        help="also list each theme's missed and wrongly tagged paragraphs, with the evidence",
    )
    p.set_defaults(func=cmd_evaluate)
    from .fetch.cli import add_parser as add_fetch  # `fetch twfy|hansard-api`: core/fetch/cli.py

    add_fetch(sub)
    from .brief.cli import add_parser as add_brief  # `brief --theme ID --out FILE.pdf|.docx`: core/brief/cli.py

    add_brief(sub, load=_load, add_common=_add_common, date=_date)
    _add_review(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader of the output went away (`| head`): stop without a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush writes nowhere
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
