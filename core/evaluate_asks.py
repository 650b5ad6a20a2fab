"""Scoring ask detection on labelled paragraphs (JSONL), and the fold protocol used to develop the cues.

A row has ``text`` and ``asks`` (certain ask sentences, verbatim); ``optional_asks`` are neither required nor
penalised. Each paragraph is split into sentences (``core.sentences``) and each sentence run through
``core.asks.detect`` with the row's speaker role. A predicted sentence matches a labelled ask when their
normalised texts are equal, one contains the other, or rapidfuzz ``ratio`` >= 90.

Folds: a row's fold is ``md5(file) % 5`` (whole debates / files stay in one fold). The cues were developed
looking only at folds 1-4 of ``asks_2009``; fold 0 is held out.

    python -m core.evaluate_asks            # dev set (through the pipeline), tuned folds, held-out fold
    python -m core.evaluate_asks --errors   # also list misses and false positives on the tuned folds
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from rapidfuzz import fuzz

from .asks import detect, speaks_for_government
from .sentences import split

ROOT = Path(__file__).resolve().parent.parent
ASKS_2009 = ROOT / "tests" / "fixtures" / "asks_2009.jsonl"
DEV = ROOT / "tests" / "fixtures" / "dev.jsonl"
HELD_OUT = 0


def norm(s: str) -> str:
    return " ".join(s.strip().strip("“”\"'‘’ ").lower().split())


def same(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return a == b or (len(a) > 10 and len(b) > 10 and (a in b or b in a)) or fuzz.ratio(a, b) >= 90


def fold_of(row: dict) -> int:
    return int(hashlib.md5(row.get("file", row.get("source", "")).encode()).hexdigest(), 16) % 5


def load(path: Path | str = ASKS_2009) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def role_of(row: dict) -> str:
    """The speaker's role as far as the row tells it: a written answer or a written ministerial statement is
    the Government speaking; otherwise the row's ``speaker_detail`` if it has one, else "Minister" when the
    paragraph's own words speak for the Government (as ``extract`` does)."""
    if row.get("kind") == "reply" or row.get("series") == "wms":
        return "Minister"
    return row.get("speaker_detail", "") or ("Minister" if speaks_for_government(row["text"]) else "")


def _gold(a) -> str:
    return a["sentence"] if isinstance(a, dict) else a


def score(rows: list[dict], errors: list | None = None) -> dict:
    """tp / fp / fn, precision, recall, f1 of sentence-level detection over ``rows``."""
    tp = fp = fn = 0
    for r in rows:
        role = role_of(r)
        pred = [s for s in split(r["text"]) if detect(s, role=role)]
        gold = [_gold(a) for a in r.get("asks") or []]
        optional = [_gold(a) for a in r.get("optional_asks") or []]
        used = set()
        for g in gold:
            hit = next((i for i, p in enumerate(pred) if i not in used and same(p, g)), None)
            if hit is None:
                fn += 1
                if errors is not None:
                    errors.append(("FN", r.get("id", ""), g))
            else:
                tp += 1
                used.add(hit)
        for i, p in enumerate(pred):
            if i in used or any(same(p, o) for o in optional):
                continue
            fp += 1
            if errors is not None:
                errors.append(("FP", r.get("id", ""), p, detect(p, role=role)[0]))
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * rc / (p + rc) if p + rc else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(rc, 3), "f1": round(f, 3)}


def folds(rows: list[dict], held_out: int = HELD_OUT) -> tuple[list[dict], list[dict]]:
    """(tuned rows, held-out rows)."""
    return [r for r in rows if fold_of(r) != held_out], [r for r in rows if fold_of(r) == held_out]


def dev_scores() -> dict:
    """The seeds' dev set scored through the pipeline, as ``campaign-tracker evaluate`` does."""
    from .asks import ask_scores
    from .evaluate import load_dev
    from .pipeline import DEFAULT_SOURCES, build_corpus
    corpus = build_corpus(DEFAULT_SOURCES)
    det, _grp = ask_scores(corpus, load_dev(DEV))
    return {k: (round(float(v), 3) if k in ("precision", "recall", "f1") else int(v)) for k, v in det.iloc[0].items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", nargs="?", type=Path, default=ASKS_2009)
    ap.add_argument("--errors", action="store_true", help="list errors on the tuned folds")
    ap.add_argument("--no-dev", action="store_true")
    args = ap.parse_args(argv)
    rows = load(args.path)
    tuned, held = folds(rows)
    errs: list = []
    if not args.no_dev:
        print("dev set (pipeline):     ", dev_scores())
    print("asks_2009 tuned folds:  ", score(tuned, errs))
    print("asks_2009 held-out fold:", score(held))
    print("asks_2009 all:          ", score(rows))
    if args.errors:
        for e in errs:
            print(*e, sep=" | ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
