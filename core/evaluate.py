"""Measure tagging (and ask extraction) against the labelled development set.

The dev set labels paragraphs by (seed file, line). Each is aligned to the passage from that line; a line
that is a section title (a header, not a passage) is scored with the title's own themes; a line that is
neither (page furniture) is predicted to have no themes. ``unsure`` labels are not scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .metrics import prf
from .pipeline import Corpus
from .tagging import tagger_for

SCORED_THEMES = [
    "county_lines",
    "looked_after_children",
    "out_of_area_placements",
    "rape_prosecutions",
    "missing_children",
    "child_sexual_exploitation",
]


def load_dev(path: Path | str) -> list[dict]:
    """The labelled paragraphs, one JSON object per line, each with ``source`` (seed file), ``line``, ``text``
    and ``themes`` ({theme id: yes / no / unsure}). A file that cannot be read or used raises ValueError naming
    the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path.name}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror})") from None
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}: line {n} is not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{path.name}: line {n} is not a JSON object")
        missing = [k for k in ("source", "line", "text", "themes") if k not in row]
        if missing:
            raise ValueError(f"{path.name}: line {n} lacks {', '.join(missing)}")
        if not isinstance(row["themes"], dict) or not isinstance(row["line"], int):
            raise ValueError(f"{path.name}: line {n}: 'themes' must be an object and 'line' a whole number")
        rows.append(row)
    if not rows:
        raise ValueError(f"{path.name}: no labelled paragraphs")
    return rows


@dataclass
class Aligned:
    row: dict
    passage_id: str | None
    predicted: set[str]
    how: str  # passage | title | none


def align(corpus: Corpus, rows: list[dict]) -> list[Aligned]:
    df = corpus.passages
    by_loc = {(d, int(line)): pid for d, line, pid in zip(df["document"], df["line"], df["passage_id"])}
    themes = dict(zip(df["passage_id"], df["themes"]))
    docs = {d.document: d for d in corpus.documents}
    tagger = tagger_for(corpus.taxonomy)
    out = []
    for r in rows:
        doc = Path(r["source"]).stem
        pid = by_loc.get((doc, int(r["line"])))
        if pid:
            out.append(Aligned(r, pid, set(filter(None, themes[pid].split(";"))), "passage"))
            continue
        d = docs.get(doc)
        if (
            d
            and d.line_kinds.get(int(r["line"])) == "header"
            and r["text"].strip() in {p.section_title for p in d.passages}
        ):
            ev = tagger.tag_texts([r["text"]], fuzzy=False)[0]
            out.append(Aligned(r, None, {e["theme"] for e in ev}, "title"))
        else:
            out.append(Aligned(r, None, set(), "none"))
    return out


def theme_scores(aligned: list[Aligned], themes: list[str] = SCORED_THEMES) -> pd.DataFrame:
    rows = []
    tot = [0, 0, 0]
    for t in themes:
        tp = fp = fn = 0
        for a in aligned:
            label = a.row["themes"].get(t)
            if label not in ("yes", "no"):
                continue
            pred = t in a.predicted
            tp += pred and label == "yes"
            fp += pred and label == "no"
            fn += (not pred) and label == "yes"
        p, r, f = prf(tp, fp, fn)
        rows.append({"theme": t, "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f})
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
    p, r, f = prf(*tot)
    rows.append({"theme": "micro", "tp": tot[0], "fp": tot[1], "fn": tot[2], "precision": p, "recall": r, "f1": f})
    return pd.DataFrame(rows)


def errors(aligned: list[Aligned], theme: str, tags: pd.DataFrame | None = None) -> list[dict]:
    """Each false negative (FN) and false positive (FP) of one theme, in dev-set order: kind, dev id, the
    passage it aligned to (or none), its text, and for a false positive the evidence that tagged it (from
    ``tags``: matched text, method, reason), so a taxonomy can be tuned from the report."""
    evidence: dict[str, list[str]] = {}
    if tags is not None and len(tags):
        mine = tags[tags["theme"] == theme]
        for pid, m, method, reason in zip(mine["passage_id"], mine["matched_text"], mine["method"], mine["reason"]):
            evidence.setdefault(pid, []).append(f"'{' '.join(str(m).split())}' ({method}: {reason})")
    out = []
    for a in aligned:
        label = a.row["themes"].get(theme)
        pred = theme in a.predicted
        if label == "yes" and not pred:
            kind = "FN"
        elif label == "no" and pred:
            kind = "FP"
        else:
            continue
        out.append(
            {
                "kind": kind,
                "id": a.row["id"],
                "passage_id": a.passage_id or "",
                "text": a.row["text"],
                "evidence": evidence.get(a.passage_id, []) if kind == "FP" else [],
            }
        )
    return out


def error_report(
    aligned: list[Aligned], tags: pd.DataFrame | None, themes: list[str] = SCORED_THEMES, width: int = 160
) -> str:
    """The false negatives and false positives of each theme as text (``campaign-tracker evaluate --errors``)."""
    lines = []
    for t in themes:
        errs = errors(aligned, t, tags)
        lines.append(
            f"{t}: {sum(e['kind'] == 'FN' for e in errs)} missed (FN), "
            f"{sum(e['kind'] == 'FP' for e in errs)} wrongly tagged (FP)"
        )
        for e in errs:
            text = " ".join(e["text"].split())
            text = text if len(text) <= width else text[: width - 1] + "…"
            lines.append(f"  {e['kind']} {e['id']} {e['passage_id'] or '(no passage)'}: {text}")
            lines.extend(f"       because of {ev}" for ev in e["evidence"])
    return "\n".join(lines)


# ---- measuring the detector on exported labels ---------------------------------------------------------------
def labelled_themes(rows: list[dict]) -> list[str]:
    """The themes the rows label, in order of first appearance (the dev set's six for the dev set)."""
    return list(dict.fromkeys(t for r in rows for t in r["themes"]))


def by_passage_id(corpus, rows: list[dict]):
    """When every row names its passage (``passage_id``, as :func:`export_rows` writes), a copy of ``corpus`` and
    rows keyed so that the (source, line) alignment of ``core.evaluate`` and ``core.asks.ask_scores`` finds each
    row's passage by id (formats without lines give many passages line 0). Rows whose passage is not in the
    corpus are left out and returned as the third item. Other rows are returned as they are."""
    import copy

    if not rows or not all(r.get("passage_id") for r in rows):
        return corpus, rows, []
    pos = {pid: i + 1 for i, pid in enumerate(corpus.passages["passage_id"])}
    keyed = [dict(r, source="by-id", line=pos[r["passage_id"]]) for r in rows if r["passage_id"] in pos]
    missing = [r["passage_id"] for r in rows if r["passage_id"] not in pos]
    out = copy.copy(corpus)
    out.passages = corpus.passages.assign(document="by-id", line=range(1, len(corpus.passages) + 1))
    out.documents = []
    return out, keyed, missing


def evaluation_corpus(rows: list[dict], sources, store_file: Path, taxonomy=None):
    """The corpus a labelled file is scored on: SOURCES when given; else, for rows that name passages (an
    export of review decisions), the store's passages with the detector's own output (reviews not applied);
    else the bundled seeds. Returns (corpus, rows, passage ids not found)."""
    from .pipeline import DEFAULT_SOURCES, build_corpus, corpus_from_store

    if not sources and rows and all(r.get("passage_id") for r in rows) and store_file.exists():
        from .store import Store

        with Store(store_file) as store:
            corpus = corpus_from_store(store, taxonomy, reviewed=False)
    else:
        corpus = build_corpus(sources or DEFAULT_SOURCES, taxonomy=taxonomy)
    return by_passage_id(corpus, rows)
