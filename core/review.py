"""Review: people confirm or reject asks and theme tags, or move an ask to another group.

A decision is stored in the store's ``reviews`` table, keyed by a stable id: an ask is passage id + '/' + sentence
number, a tag is passage id + '|' + theme id. The detector's own tables (``asks``, ``tags``, ``passages.themes``)
are replaced by every ingest and re-tag and are never written here; decisions are applied when the store is read
(:func:`apply`, called by ``core.pipeline.corpus_from_store``), so they survive re-ingest and re-tagging and
change every count at once:

- a rejected ask is not counted (it leaves the asks table the ledger is made from);
- a confirmed ask is counted, also when the detector no longer finds it, as long as its sentence is still in the
  passage (it is found again by its text if its sentence number moved); it keeps the group it had when reviewed;
- a moved ask counts in its new group;
- a rejected tag takes the theme off the passage (and its evidence off the tags table); a confirmed tag puts it
  on, with evidence ``method = review``, even when the tagger does not find it.

A decision whose passage is gone, whose sentence is no longer in the passage, or whose theme is no longer in the
taxonomy is kept but not applied; :func:`apply` says why in the decision's ``state``.

Decisions export as labelled paragraphs in the dev set's JSONL shape (:func:`export_rows`), so
``campaign-tracker evaluate --dev FILE`` measures the detector on a team's own text.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .schema import NO_RESPONSE
from .sentences import split_spans

ASK_DECISIONS = {"confirm": "confirmed", "reject": "rejected", "move": "moved"}
TAG_DECISIONS = {"confirm": "confirmed", "reject": "rejected"}
APPLIED = "applied"
#: the cue of an ask that only a reviewer found
REVIEW_CUE = "review"
REVIEWER_ENV = "CAMPAIGN_TRACKER_REVIEWER"


class ReviewError(ValueError):
    """A decision that cannot be recorded (an unknown ask, passage, theme or group), with the id in the message."""


def ask_id(passage_id: str, sentence_index: int) -> str:
    """The ask id the detector gives a sentence (``core.asks``): passage id + '/s' + sentence number."""
    return f"{passage_id}/s{int(sentence_index)}"


def split_ask_id(item_id: str) -> tuple[str, int] | None:
    """(passage id, sentence number), or None when ``item_id`` is not an ask id.

    >>> split_ask_id("002_ef58#L12/s3")
    ('002_ef58#L12', 3)
    >>> split_ask_id("002_ef58#L12") is None
    True
    """
    pid, sep, n = item_id.rpartition("/s")
    return (pid, int(n)) if sep and pid and n.isdigit() else None


def tag_id(passage_id: str, theme: str) -> str:
    return f"{passage_id}|{theme}"


def default_reviewer() -> str:
    """$CAMPAIGN_TRACKER_REVIEWER, else the login name."""
    try:
        return os.environ.get(REVIEWER_ENV) or getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return ""


def _clean(s: str) -> str:
    return " ".join(str(s).strip().strip("“”\"'‘’ ").split()).lower()


def _now():
    from .store.db import now

    return now()


# ---- recording ----------------------------------------------------------------------------------------------
def _passage(store, passage_id: str) -> dict | None:
    row = store.con.execute(
        "SELECT passage_id, text, themes FROM passages WHERE passage_id = ?", [passage_id]
    ).fetchone()
    return None if row is None else {"passage_id": row[0], "text": row[1], "themes": list(row[2] or [])}


def _group_label(store, group: str, taxonomy) -> str | None:
    """The label of a group: a named ask of the taxonomy, or a group the asks table (or an earlier move) has."""
    named = {a.id: a.label for a in getattr(taxonomy, "asks", ())}
    if group in named:
        return named[group]
    row = (
        store.con.execute("SELECT ask_group_label FROM asks WHERE ask_group = ? LIMIT 1", [group]).fetchone()
        or store.con.execute(
            "SELECT group_label FROM reviews WHERE target = 'ask' AND \"group\" = ? LIMIT 1", [group]
        ).fetchone()
    )
    return row[0] if row else None


def review_ask(
    store,
    item_id: str,
    decision: str,
    *,
    group: str | None = None,
    label: str | None = None,
    note: str = "",
    reviewer: str | None = None,
    taxonomy=None,
) -> int:
    """Confirm, reject or move (to ``group``) the ask ``item_id``; ``decision`` "clear" takes a decision back.
    An ask the detector did not find can be confirmed too (a miss): any sentence of a stored passage has an ask
    id. Moving to a group that does not exist needs ``label`` (a new group). Returns the store's new version;
    raises ReviewError naming the id."""
    if decision == "clear":
        return _clear(store, "ask", item_id)
    if decision not in ASK_DECISIONS:
        raise ReviewError(f"{decision!r}: not a decision for an ask (use {', '.join(ASK_DECISIONS)} or clear)")
    parts = split_ask_id(item_id)
    if parts is None:
        raise ReviewError(f"{item_id}: not an ask id (an ask id is a passage id, '/s', and a sentence number)")
    pid, n = parts
    found = store.con.execute(
        "SELECT text, ask_group, ask_group_label FROM asks WHERE ask_id = ?", [item_id]
    ).fetchone()
    if found is None:
        passage = _passage(store, pid)
        if passage is None:
            raise ReviewError(f"{item_id}: no such ask (no passage '{pid}' in the store)")
        spans = split_spans(passage["text"])
        if n >= len(spans):
            raise ReviewError(f"{item_id}: no such ask (passage '{pid}' has {len(spans)} sentence(s), numbered from 0)")
        text = passage["text"][spans[n][0] : spans[n][1]]
        earlier = store.con.execute(
            "SELECT \"group\", group_label FROM reviews WHERE target = 'ask' AND item_id = ?", [item_id]
        ).fetchone()
        g, g_label = earlier if earlier else (f"review_{item_id}", "Reviewed: " + _short(text))
    else:
        text, g, g_label = found
    if decision == "move":
        if not group:
            raise ReviewError(f"{item_id}: move needs the group to move the ask to")
        known = _group_label(store, group, taxonomy)
        if known is None and not label:
            raise ReviewError(
                f"{group}: no such group (give a named ask id, an existing group id, or a label to start a new group)"
            )
        g, g_label = group, (known if known is not None else label)
    row = {
        "target": "ask",
        "item_id": item_id,
        "passage_id": pid,
        "sentence_index": n,
        "theme": "",
        "decision": ASK_DECISIONS[decision],
        "group": g,
        "group_label": g_label,
        "text": text,
        "reviewer": default_reviewer() if reviewer is None else reviewer,
        "note": note,
        "reviewed_at": _now(),
    }
    return store.save_review(row)


def _short(text: str, n: int = 90) -> str:
    s = " ".join(text.split()).strip("“”\"'‘’ ")
    return s if len(s) <= n else s[: n - 3].rsplit(" ", 1)[0] + "…"


def review_tag(
    store, passage_id: str, theme: str, decision: str, *, note: str = "", reviewer: str | None = None, taxonomy=None
) -> int:
    """Confirm or reject theme ``theme`` on passage ``passage_id`` ("clear" takes a decision back). The theme must
    be in ``taxonomy`` (default: the built-in one) or tagged somewhere in the store. Returns the new version."""
    item = tag_id(passage_id, theme)
    if decision == "clear":
        return _clear(store, "tag", item)
    if decision not in TAG_DECISIONS:
        raise ReviewError(f"{decision!r}: not a decision for a tag (use {', '.join(TAG_DECISIONS)} or clear)")
    if _passage(store, passage_id) is None:
        raise ReviewError(f"{passage_id}: no such passage in the store")
    if taxonomy is None:
        from .taxonomy import default_taxonomy

        taxonomy = default_taxonomy()
    if (
        theme not in taxonomy.ids
        and not store.con.execute("SELECT 1 FROM tags WHERE theme = ? LIMIT 1", [theme]).fetchone()
    ):
        raise ReviewError(f"{theme}: no such theme (themes: {', '.join(taxonomy.ids)})")
    matched = [
        r[0]
        for r in store.con.execute(
            "SELECT matched_text FROM tags WHERE passage_id = ? AND theme = ? ORDER BY start", [passage_id, theme]
        ).fetchall()
    ]
    row = {
        "target": "tag",
        "item_id": item,
        "passage_id": passage_id,
        "sentence_index": 0,
        "theme": theme,
        "decision": TAG_DECISIONS[decision],
        "group": "",
        "group_label": "",
        "text": "; ".join(matched),
        "reviewer": default_reviewer() if reviewer is None else reviewer,
        "note": note,
        "reviewed_at": _now(),
    }
    return store.save_review(row)


def _clear(store, target: str, item_id: str) -> int:
    if not store.drop_review(target, item_id):
        raise ReviewError(f"{item_id}: no decision on this {target} to clear")
    return store.version


def decisions(store) -> pd.DataFrame:
    """Every stored decision, newest first."""
    df = store.frame("reviews")
    return df.sort_values("reviewed_at", ascending=False, kind="stable").reset_index(drop=True)


# ---- applying -----------------------------------------------------------------------------------------------
@dataclass
class Reviewed:
    passages: pd.DataFrame
    tags: pd.DataFrame
    asks: pd.DataFrame  # what is counted: the detector's asks, reviews applied
    decisions: pd.DataFrame  # every decision, with ``state``: applied, or why not


def _sentence(text: str, wanted: str, index: int) -> tuple[int, int, int] | None:
    """(sentence number, start, end) of the sentence of ``text`` equal to ``wanted`` (the one at ``index``
    first), or None."""
    spans = split_spans(text)
    target = _clean(wanted)
    order = ([index] if 0 <= index < len(spans) else []) + [i for i in range(len(spans)) if i != index]
    for i in order:
        s, e = spans[i]
        if _clean(text[s:e]) == target:
            return i, s, e
    return None


def _new_ask(p: dict, n: int, start: int, end: int, columns) -> dict:
    from .asks import action_of, target_of

    text = p["text"][start:end]
    row = {c: "" for c in columns}
    row.update(
        {
            "ask_id": ask_id(p["passage_id"], n),
            "passage_id": p["passage_id"],
            "line": p["line"],
            "text": text,
            "sentence_index": n,
            "start": start,
            "end": end,
            "cue": REVIEW_CUE,
            "cue_reason": "confirmed by a reviewer (the detector does not find it)",
            "confidence": 1.0,
            "target": target_of(text),
            "action": action_of(text),
            "themes": p["themes"],
            "document": p["document"],
            "date": p["date"],
            "date_precision": p["date_precision"],
            "venue": p["venue"],
            "speaker": p["speaker"],
            "duplicate_of": p["duplicate_of"],
            "response_status": NO_RESPONSE,
            "response_score": 0.0,
        }
    )
    return row


def _set_rows(col: pd.Series, rows: list[int], values: list) -> pd.Series:
    """``col`` with the values at positions ``rows`` replaced, in one write (a write per cell copies the whole
    column each time when strings are stored as Arrow arrays)."""
    out = col.copy()
    if rows:
        out.iloc[rows] = values
    return out


def apply(
    passages: pd.DataFrame, tags: pd.DataFrame, asks: pd.DataFrame, decisions: pd.DataFrame, theme_ids
) -> Reviewed:
    """The tables with the decisions applied (see the module's docstring). The asks gain ``review`` (the
    decision, or empty) and ``detected_group`` (the detector's group, empty for an ask only a reviewer found)."""
    asks = asks.copy()
    asks["detected_group"] = asks["ask_group"] if len(asks) else pd.Series(dtype=object)
    asks["review"] = ""
    decisions = decisions.copy()
    decisions["state"] = APPLIED
    if not len(decisions):
        return Reviewed(passages, tags, asks, decisions)
    pids = set(decisions["passage_id"])
    rows = passages["passage_id"].isin(pids).to_numpy().nonzero()[0]
    pos = dict(zip(passages["passage_id"].iloc[rows].tolist(), rows.tolist()))
    theme_ids = set(theme_ids)

    # tags first: the asks carry their passage's themes
    themes = {pid: [t for t in str(passages["themes"].iat[i]).split(";") if t] for pid, i in pos.items()}
    drop_tags: set[tuple[str, str]] = set()
    add_tags: list[dict] = []
    states: list[str] = []
    for d in decisions.itertuples(index=False):
        if d.target != "tag":
            states.append("")
            continue
        if d.passage_id not in pos:
            states.append("not applied: the passage is no longer in the store")
            continue
        if d.theme not in theme_ids:
            states.append("not applied: the theme is no longer in the taxonomy")
            continue
        have = themes[d.passage_id]
        if d.decision == "rejected":
            if d.theme in have:
                have.remove(d.theme)
            drop_tags.add((d.passage_id, d.theme))
        else:
            if d.theme not in have:
                have.append(d.theme)
                add_tags.append(
                    {
                        "passage_id": d.passage_id,
                        "theme": d.theme,
                        "matched_text": "",
                        "start": 0,
                        "end": 0,
                        "method": "review",
                        "score": 100.0,
                        "reason": f"confirmed by {d.reviewer or 'a reviewer'}",
                    }
                )
        states.append(APPLIED)
    tag_rows = decisions["target"] == "tag"
    decisions.loc[tag_rows, "state"] = [s for s in states if s]
    if tag_rows.any():
        passages = passages.copy(deep=False)  # only the themes column is replaced
        passages["themes"] = _set_rows(
            passages["themes"], [pos[pid] for pid in themes], [";".join(ts) for ts in themes.values()]
        )
        if drop_tags and len(tags):
            near = tags["passage_id"].isin({pid for pid, _ in drop_tags}).to_numpy().copy()
            hit = [
                (pid, t) in drop_tags
                for pid, t in zip(tags["passage_id"].iloc[near].tolist(), tags["theme"].iloc[near].tolist())
            ]
            near[near] = hit
            tags = tags[~near]
        if add_tags:
            tags = pd.concat([tags, pd.DataFrame(add_tags)], ignore_index=True)
        if len(asks):
            hit = asks["passage_id"].isin(themes)
            asks.loc[hit, "themes"] = asks.loc[hit, "passage_id"].map(lambda p: ";".join(themes[p]))

    # asks
    near = asks["passage_id"].isin(pids).to_numpy().nonzero()[0].tolist()  # only asks in reviewed passages
    ask_text = dict(zip(near, asks["text"].iloc[near].tolist()))
    by_id = dict(zip(asks["ask_id"].iloc[near].tolist(), near))
    by_text = {(p, _clean(ask_text[i])): i for i, p in zip(near, asks["passage_id"].iloc[near].tolist())}
    drop: set[int] = set()
    extra: list[dict] = []
    ask_states = []
    cols: dict[str, dict[int, str]] = {c: {} for c in ("ask_group", "ask_group_label", "group_source", "review")}
    for d in decisions[decisions["target"] == "ask"].itertuples(index=False):
        i = by_id.get(d.item_id)
        if i is None or _clean(ask_text[i]) != _clean(d.text):
            i = by_text.get((d.passage_id, _clean(d.text)))
        if i is None:  # the detector does not find it (now)
            if d.decision == "rejected":
                ask_states.append(APPLIED)
                continue
            if d.passage_id not in pos:
                ask_states.append("not applied: the passage is no longer in the store")
                continue
            p = passages.iloc[pos[d.passage_id]].to_dict()
            found = _sentence(p["text"], d.text, int(d.sentence_index))
            if found is None:
                ask_states.append("not applied: the sentence is no longer in the passage")
                continue
            row = _new_ask(p, *found, asks.columns)
            row.update(
                {
                    "ask_group": d.group,
                    "ask_group_label": d.group_label,
                    "group_source": "reviewed",
                    "review": d.decision,
                    "detected_group": "",
                }
            )
            extra.append(row)
            ask_states.append(APPLIED)
            continue
        ask_states.append(APPLIED)
        if d.decision == "rejected":
            drop.add(i)
            continue
        cols["review"][i] = d.decision
        if d.decision == "moved":
            cols["ask_group"][i], cols["ask_group_label"][i], cols["group_source"][i] = (
                d.group,
                d.group_label,
                "reviewed",
            )
    for c, changed in cols.items():
        if changed:
            asks[c] = _set_rows(asks[c], list(changed), list(changed.values()))
    decisions.loc[decisions["target"] == "ask", "state"] = ask_states
    if drop:
        asks = asks.drop(index=asks.index[sorted(drop)])
    if extra:
        asks = pd.concat([asks, pd.DataFrame(extra, columns=asks.columns)], ignore_index=True)
    return Reviewed(passages, tags, asks.reset_index(drop=True), decisions)


# ---- export as labelled data --------------------------------------------------------------------------------
def export_rows(store, corpus) -> list[dict]:
    """One labelled paragraph per reviewed passage still in the store, in the dev set's shape: ``id`` and
    ``passage_id`` (the passage id), ``source`` (its file name), ``line``, ``text``, ``themes`` ({theme: "yes" /
    "no"} for the reviewed tags only), ``asks`` (confirmed and moved asks: sentence and group), ``optional_asks``
    (the detector's asks in the passage that nobody reviewed: neither required nor penalised) and ``speaker``.
    A rejected ask is simply not among the asks, so the detector finding it is a false positive. ``corpus`` is
    the store's corpus with reviews applied."""
    dec = corpus.reviews
    if dec is None:  # a corpus read without its reviews applied: the decisions' states worked out here
        theme_ids = set(corpus.taxonomy.ids) | set(corpus.tags["theme"] if corpus.tags is not None else ())
        dec = apply(corpus.passages, corpus.tags, corpus.asks, decisions(store), theme_ids).decisions
    dec = dec[dec["state"] == APPLIED]
    if not len(dec):
        return []
    paths = dict(store.con.execute("SELECT document, path FROM documents").fetchall())
    pids = set(dec["passage_id"])
    p = corpus.passages[corpus.passages["passage_id"].isin(pids)].set_index("passage_id")

    def in_passages(asks: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
        """passage id -> (sentence, group) of its asks, for the reviewed passages."""
        out: dict[str, list[tuple[str, str]]] = {}
        near = asks[asks["passage_id"].isin(pids)]
        for pid, text, g in zip(near["passage_id"], near["text"], near["ask_group"]):
            out.setdefault(pid, []).append((text, g))
        return out

    counted = in_passages(corpus.asks)
    detected = in_passages(corpus.detected_asks if corpus.detected_asks is not None else corpus.asks)
    rows = []
    for pid, sub in dec.groupby("passage_id", sort=False):
        if pid not in p.index:
            continue
        r = p.loc[pid]
        labelled = {}
        ask_rows = []
        reviewed_text = set()
        now = {_clean(t): (t, g) for t, g in counted.get(pid, [])}
        for d in sub.itertuples(index=False):
            if d.target == "tag":
                labelled[d.theme] = "no" if d.decision == "rejected" else "yes"
                continue
            reviewed_text.add(_clean(d.text))
            if d.decision != "rejected":
                text, g = now.get(_clean(d.text), (d.text, d.group))
                ask_rows.append({"sentence": text, "groups": [g]})
        optional = [{"sentence": t, "groups": [g]} for t, g in detected.get(pid, []) if _clean(t) not in reviewed_text]
        doc = r["document"]
        rows.append(
            {
                "id": pid,
                "passage_id": pid,
                "source": Path(paths.get(doc, "") or doc).name or doc,
                "line": int(r["line"]),
                "text": r["text"],
                "themes": labelled,
                "asks": ask_rows,
                "optional_asks": optional,
                "speaker": r["speaker"] or None,
            }
        )
    return rows


def apply_to_corpus(store, corpus) -> None:
    """Apply the store's decisions to a corpus read from it (``corpus_from_store``): its passages, tags and asks
    become the reviewed ones; ``detected_asks`` keeps the detector's asks and ``reviews`` the decisions."""
    theme_ids = set(corpus.taxonomy.ids) | set(corpus.tags["theme"] if corpus.tags is not None else ())
    done = apply(corpus.passages, corpus.tags, corpus.asks, decisions(store), theme_ids)
    corpus.detected_asks = corpus.asks
    corpus.passages, corpus.tags, corpus.asks, corpus.reviews = done.passages, done.tags, done.asks, done.decisions


def write_jsonl(rows: list[dict], out: Path | str) -> Path:
    """Write the rows as JSONL atomically (a temporary file renamed into place)."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    return out
