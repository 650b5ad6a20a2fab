"""A trained ask detector (logistic regression), measured against the rule cues by the same grouped
cross-validation (``python -m core.evaluate_asks --model``; needs scikit-learn: ``pip install -e '.[train]'``).

Sentences are the candidates the cue file's prefilter lets through (every labelled ask in the sets passes it).
Features: the id of every ask cue and veto that fires, whether the rules call the sentence an ask, a final
question mark, the row's kind (speech, question, motion), whether the passage speaks for the Government
(``core.asks.speaks_for_government``), and optionally lower-cased word unigrams and bigrams. Sentences
labelled "unsure" are left out of training; a speaker in a government role is not scored (no asks), as in the
pipeline. The model is trained afresh on the training folds for each test fold.

It does not measure better than the rules (docs/evaluation.md), so the pipeline's decision and confidence stay
rule-based; this module is how that is checked again when more labelled text exists (for instance the
confirmed and rejected asks a team exports from its own review).
"""
from __future__ import annotations

import re

from .asks import _ANY_ASK, CUES, detect, is_government_role, speaks_for_government
from .evaluate_asks import Predictor, _gold, same, with_structure
from .sentences import split

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
    return row.get("kind") == "reply" or row.get("series") == "wms" or is_government_role(row.get("speaker_detail") or "")


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
