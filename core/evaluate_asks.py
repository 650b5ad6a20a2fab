"""Scoring ask detection on labelled paragraphs (JSONL) by cross-validation grouped by source file.

A row has ``text`` and ``asks`` (certain ask sentences, verbatim); ``optional_asks`` (labelled "unsure") are
neither required nor penalised: a predicted sentence that matches one is not a false positive, and missing one
is not a false negative (and when a model is trained, such sentences are left out of its training data). Each
paragraph is split into sentences (``core.sentences``); a predicted sentence matches a labelled ask when their
normalised texts are equal, one contains the other, or rapidfuzz ``ratio`` >= 90. As in the pipeline, a
tabled question (``kind`` "ques") in which no sentence is detected is an ask as a whole, and a written answer or
written ministerial statement makes no asks.

The labelled sets are ``asks_2009`` (289 paragraphs of 2009 Hansard and Commons motions) and the seeds' ``dev``
set (108 paragraphs). Folds: a row's fold is ``md5(file) % 5`` (for the dev set the seed file): a source file
(a day's debates of one House, the motions, a seed document) is never split between training and test.
Figures are per fold and pooled (the sums of tp / fp / fn over the five test folds).

The rule cues (``core/ask_cues.toml``) were written looking at the dev set and folds 1-4 of ``asks_2009``; only
fold 0 of ``asks_2009`` was never looked at for them. The trained detector (below, "a trained ask detector") is trained
afresh on the other four folds for each test fold (its cue features still carry what the cue authors saw).

    python -m core.evaluate_asks              # cross-validated figures, rules and model, per fold and pooled
    python -m core.evaluate_asks --errors     # also list misses and false positives (pooled test folds)
    python -m core.evaluate_asks --model      # also the trained detectors below (scikit-learn)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Callable

from rapidfuzz import fuzz

from .asks import _ANY_ASK, CUES, detect, is_government_role, speaks_for_government
from .sentences import split

ROOT = Path(__file__).resolve().parent.parent
ASKS_2009 = ROOT / "tests" / "fixtures" / "asks_2009.jsonl"
DEV = ROOT / "tests" / "fixtures" / "dev.jsonl"
HELD_OUT = 0
K = 5


def norm(s: str) -> str:
    return " ".join(s.strip().strip("“”\"'‘’ ").lower().split())


def same(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return a == b or (len(a) > 10 and len(b) > 10 and (a in b or b in a)) or fuzz.ratio(a, b) >= 90


def source_of(row: dict) -> str:
    """The row's source file: ``file`` (asks_2009) or ``source`` (the seeds' dev set)."""
    return row.get("file") or row.get("source", "")


def fold_of(row: dict) -> int:
    return int(hashlib.md5(source_of(row).encode()).hexdigest(), 16) % K


def load(path: Path | str = ASKS_2009) -> list[dict]:
    """The rows of a labelled JSONL file. A ``<name>_speakers.json`` beside it (row id -> [speaker id, the office
    the source gives on that speech, the government office the source gives the speaker anywhere in the same
    file]) adds ``speaker_id`` and ``speaker_detail``, as the pipeline sees them: ParlParse names a Minister's
    office on their first speech in a debate only, and ``extract`` carries it to their other speeches in the
    document (``core.asks.government_speakers``)."""
    path = Path(path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    side = path.with_name(f"{path.stem}_speakers.json")
    if side.exists():
        speakers = json.loads(side.read_text(encoding="utf-8"))
        for r in rows:
            sid, own, held = speakers.get(r.get("id"), ("", "", ""))
            r.setdefault("speaker_id", sid)
            if not r.get("speaker_detail"):
                r["speaker_detail"] = own or held
    return rows


def load_all() -> list[dict]:
    """The two labelled sets, asks_2009 then dev."""
    return load(ASKS_2009) + load(DEV)


def role_of(row: dict) -> str:
    """The speaker's role as far as the row tells it: a written answer or a written ministerial statement is
    the Government speaking; otherwise the row's ``speaker_detail`` if it has one, else "Minister" when the
    paragraph's own words speak for the Government (as ``extract`` does)."""
    if row.get("kind") == "reply" or row.get("series") == "wms":
        return "Minister"
    return row.get("speaker_detail", "") or ("Minister" if speaks_for_government(row["text"]) else "")


def _gold(a) -> str:
    return a["sentence"] if isinstance(a, dict) else a


#: a predictor: (row) -> the sentences of the row's text it calls asks
Predictor = Callable[[dict], list[str]]


def with_structure(row: dict, found: list[str]) -> list[str]:
    """The pipeline's structural rules on top of a sentence detector: a tabled question with no detected
    sentence is an ask as a whole."""
    if row.get("kind") == "ques" and not found and row["text"].strip():
        return [row["text"]]
    return found


def rule_predict(row: dict) -> list[str]:
    role = role_of(row)
    return with_structure(row, [s for s in split(row["text"]) if detect(s, role=role)])


def score(rows: list[dict], errors: list | None = None, predict: Predictor = rule_predict) -> dict:
    """tp / fp / fn, precision, recall, f1 of sentence-level detection over ``rows``."""
    tp = fp = fn = 0
    for r in rows:
        pred = predict(r)
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
                errors.append(("FP", r.get("id", ""), p))
    return _prf(tp, fp, fn)


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * rc / (p + rc) if p + rc else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(rc, 3), "f1": round(f, 3)}


def folds(rows: list[dict], held_out: int = HELD_OUT) -> tuple[list[dict], list[dict]]:
    """(rows of the other folds, rows of fold ``held_out``)."""
    return [r for r in rows if fold_of(r) != held_out], [r for r in rows if fold_of(r) == held_out]


def cross_validate(
    rows: list[dict], make: Callable[[list[dict]], Predictor] | None = None, errors: list | None = None
) -> dict:
    """Per-fold and pooled scores. ``make(training rows)`` returns the predictor for the test fold (a model
    trained on the other folds only); without it the rules are scored fold by fold."""
    per_fold = []
    tp = fp = fn = 0
    for k in range(K):
        train, test = folds(rows, k)
        if not test:
            continue
        predict = make(train) if make else rule_predict
        s = score(test, errors, predict)
        per_fold.append({"fold": k, "rows": len(test), **s})
        tp, fp, fn = tp + s["tp"], fp + s["fp"], fn + s["fn"]
    return {"folds": per_fold, "pooled": _prf(tp, fp, fn)}


def dev_scores() -> dict:
    """The seeds' dev set scored through the pipeline, as ``campaign-tracker evaluate`` does."""
    from .asks import ask_scores
    from .evaluate import load_dev
    from .pipeline import DEFAULT_SOURCES, build_corpus

    corpus = build_corpus(DEFAULT_SOURCES)
    det, _grp = ask_scores(corpus, load_dev(DEV))
    return {k: (round(float(v), 3) if k in ("precision", "recall", "f1") else int(v)) for k, v in det.iloc[0].items()}


def grouping_scores() -> dict:
    """Pairwise grouping P/R/F1 on the dev set's certain asks (the only labelled groups), through the pipeline:
    ``named`` with the shipped taxonomy's named asks (their phrases were written with the dev set in view, so
    this is an upper bound), ``suggested`` with no named asks (every group a suggestion: the grouping rules
    alone)."""
    import dataclasses

    from .asks import ask_scores, group
    from .evaluate import load_dev
    from .pipeline import DEFAULT_SOURCES, build_corpus

    corpus = build_corpus(DEFAULT_SOURCES)
    rows = load_dev(DEV)
    out = {"named": ask_scores(corpus, rows)[1].iloc[0].to_dict()}
    bare = dataclasses.replace(corpus.taxonomy, asks=())
    corpus.asks = group(corpus.asks.drop(columns=["ask_group", "ask_group_label", "group_source"]), bare)
    out["suggested"] = ask_scores(corpus, rows)[1].iloc[0].to_dict()
    return {
        k: {m: (round(float(v), 3) if m in ("precision", "recall", "f1") else int(v)) for m, v in d.items()}
        for k, d in out.items()
    }


# ---- a trained ask detector (logistic regression), for comparison --------------------------------------
# A trained ask detector (logistic regression), measured against the rule cues by the same grouped
# cross-validation (``python -m core.evaluate_asks --model``; needs scikit-learn: ``pip install -e '.[train]'``).
#
# Sentences are the candidates the cue file's prefilter lets through (every labelled ask in the sets passes it).
# Features: the id of every ask cue and veto that fires, whether the rules call the sentence an ask, a final
# question mark, the row's kind (speech, question, motion), whether the passage speaks for the Government
# (``core.asks.speaks_for_government``), and optionally lower-cased word unigrams and bigrams. Sentences
# labelled "unsure" are left out of training; a speaker in a government role is not scored (no asks), as in the
# pipeline. The model is trained afresh on the training folds for each test fold.
#
# It does not measure better than the rules (docs/evaluation.md), so the pipeline's decision and confidence stay
# rule-based; this module is how that is checked again when more labelled text exists (for instance the
# confirmed and rejected asks a team exports from its own review).

_CUES = [c for c in CUES if c.kind in ("ask", "veto")]
_TOKEN = re.compile(r"[a-z]+|\?")


def _clean(s: str) -> str:
    return s.strip().strip("“”\"'‘’ ")


def features(sentence: str, gov_voice: bool, kind: str, ngrams: bool = False) -> dict[str, float]:
    s = _clean(sentence)
    f: dict[str, float] = {f"cue:{c.id}": 1.0 for c in _CUES if c.pattern.search(s)}
    if detect(s):
        f["rule"] = 1.0
    if s.endswith("?"):
        f["question_mark"] = 1.0
    if gov_voice:
        f["gov_voice"] = 1.0
    if kind:
        f[f"kind:{kind}"] = 1.0
    if ngrams:
        toks = _TOKEN.findall(s.lower())
        f.update({f"w:{t}": 1.0 for t in toks})
        f.update({f"b:{a}_{b}": 1.0 for a, b in zip(toks, toks[1:])})
    return f


def _government(row: dict) -> bool:
    return (
        row.get("kind") == "reply" or row.get("series") == "wms" or is_government_role(row.get("speaker_detail") or "")
    )


def _candidates(row: dict, ngrams: bool):
    gov_voice = speaks_for_government(row["text"])
    for s in split(row["text"]):
        if _ANY_ASK.search(_clean(s)):
            yield s, features(s, gov_voice, row.get("kind", ""), ngrams)


def examples(rows: list[dict], ngrams: bool = False) -> tuple[list[dict], list[int]]:
    """(feature dicts, labels) of the candidate sentences of ``rows``; unsure sentences left out."""
    xs, ys = [], []
    for r in rows:
        if _government(r):
            continue
        gold = [_gold(a) for a in r.get("asks") or []]
        optional = [_gold(a) for a in r.get("optional_asks") or []]
        for s, f in _candidates(r, ngrams):
            if any(same(s, g) for g in gold):
                ys.append(1)
            elif any(same(s, o) for o in optional):
                continue
            else:
                ys.append(0)
            xs.append(f)
    return xs, ys


def trainer(ngrams: bool = False, c: float = 1.0, threshold: float = 0.5):
    """make(training rows) -> a Predictor, for ``evaluate_asks.cross_validate``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    def make(train_rows: list[dict]) -> Predictor:
        xs, ys = examples(train_rows, ngrams)
        vec = DictVectorizer()
        model = LogisticRegression(C=c, max_iter=5000).fit(vec.fit_transform(xs), ys)

        def predict(row: dict) -> list[str]:
            if _government(row):
                return []
            cands = list(_candidates(row, ngrams))
            if not cands:
                return with_structure(row, [])
            p = model.predict_proba(vec.transform([f for _s, f in cands]))[:, 1]
            return with_structure(row, [s for (s, _f), q in zip(cands, p) if q >= threshold])

        return predict

    return make


def _table(name: str, result: dict) -> None:
    print(f"{name}")
    for f in result["folds"]:
        print(
            f"  fold {f['fold']} ({f['rows']:3d} rows): tp {f['tp']:3d} fp {f['fp']:3d} fn {f['fn']:3d}  "
            f"P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f}"
        )
    p = result["pooled"]
    print(
        f"  pooled:             tp {p['tp']:3d} fp {p['fp']:3d} fn {p['fn']:3d}  "
        f"P {p['precision']:.3f} R {p['recall']:.3f} F1 {p['f1']:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true", help="list misses and false positives on the test folds")
    ap.add_argument(
        "--dev", action="store_true", help="also score detection and grouping on the dev set through the pipeline"
    )
    ap.add_argument(
        "--model", action="store_true", help="also score trained logistic-regression detectors (needs scikit-learn)"
    )
    args = ap.parse_args(argv)
    rows = load_all()
    errs: list = []
    _table("rules (cues written on folds 1-4 and dev: only fold 0 is unseen)", cross_validate(rows, errors=errs))
    if args.model:
        _table("model: cues + context, trained per fold", cross_validate(rows, trainer()))
        _table("model: cues + context + word n-grams, trained per fold", cross_validate(rows, trainer(ngrams=True)))
    if args.dev:
        print("dev set through the pipeline (rules):", dev_scores())
        for k, v in grouping_scores().items():
            print(f"grouping on the dev set, {k}:", v)
    if args.errors:
        for e in errs:
            print(*e, sep=" | ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
