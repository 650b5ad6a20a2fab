"""What a briefing says, built once as plain data and rendered twice (``pdf.py``, ``docx.py``).

Every figure comes from the functions the dashboard and the CLI use: ``FilterState`` / ``filter_mask`` choose
the passages, ``headline`` and ``theme_timeline`` count them (``core.summary``), ``ask_summary`` makes the ask
ledger (``core.asks``). A briefing is about a theme, an ask (group) or just the current filters.

Quotations are chosen by one rule (see ``QUOTE_RULE``): for a theme, the passages with the strongest evidence for
it; for an ask, its occurrences by the detector's confidence; one per speaker first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ..asks import ask_summary
from ..milestones import Milestone, safe_url
from ..sentences import split_spans
from ..summary import (
    THEME_PREFIX,
    FilterState,
    UnknownValue,
    continuous,
    describe,
    filter_mask,
    headline,
    prepare,
    resolve,
    theme_timeline,
)

MAX_QUOTES = 8
MAX_ASKS = 12
MAX_NAMES = 12
QUOTE_CHARS = 420
QUOTE_RULE = (
    "Quotations: the passages with the strongest evidence for the subject (each phrase match counts 1, a "
    "near-miss, context rule or section cue ½; for an ask, the detector's confidence), newest first among "
    "equals, one per speaker before any speaker is quoted twice."
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(value) -> str:
    """Text safe for both file formats: no control characters (Word's XML refuses them), whitespace collapsed."""
    return " ".join(_CONTROL.sub(" ", "" if value is None or value is pd.NA else str(value)).split())


@dataclass
class Quote:
    text: str
    speaker: str
    date: str
    venue: str
    document: str  # the document's title (or id)
    passage_id: str
    url: str  # an http(s) link to the source, or ""
    why: str  # what made it strong: "3 phrase matches", "ask, confidence 0.9"


@dataclass
class AskRow:
    label: str
    times_raised: int
    first_raised: str
    last_raised: str
    status: str
    response: str  # the response's words ("" when none was found)
    response_by: str  # "Minister name, 2018-01-17" where known

    @property
    def raised(self) -> str:
        return (
            self.first_raised if self.first_raised == self.last_raised else f"{self.first_raised} – {self.last_raised}"
        )


@dataclass
class Briefing:
    kind: str  # "theme", "ask" or "filters"
    title: str
    subtitle: str  # the filters in one line (describe())
    filters: list[tuple[str, str]]  # (what, value) as made
    made_on: str
    figures: list[tuple[str, str]]  # headline figures (label, value)
    freq: str  # timeline bins: month, quarter or year
    timeline: list[tuple[pd.Timestamp, str, int]]  # (bin start, series, passages), every bin from first to last
    undated: int  # passages that cannot be placed on the timeline
    milestones: list[Milestone]
    venues: list[tuple[str, int]]
    speakers: list[tuple[str, int]]
    more_speakers: int
    asks: list[AskRow]
    more_asks: int
    quotes: list[Quote]
    notes: list[str] = field(default_factory=list)

    @property
    def file_stem(self) -> str:
        return "briefing_" + re.sub(r"[^A-Za-z0-9]+", "-", self.title).strip("-").lower()[:60]


class BriefError(ValueError):
    """A briefing that cannot be made (an unknown theme or ask); the message says what is known."""


def _freq(bins: pd.Series) -> str:
    if not len(bins):
        return "quarter"
    span = (bins.max() - bins.min()).days
    return "month" if span <= 550 else "quarter" if span <= 8 * 366 else "year"


def _continuous(counts: pd.DataFrame, freq: str, series: dict[str, str]) -> list[tuple[pd.Timestamp, str, int]]:
    """Every period from the first to the last, empty ones at zero (core.summary.continuous), with series labels."""
    full = continuous(counts, freq)
    return [(b, series[t], int(n)) for b, t, n in full[["bin", "theme", "passages"]].itertuples(index=False)]


def _named_counts(values: pd.Series, limit: int = MAX_NAMES) -> tuple[list[tuple[str, int]], int]:
    vc = values.astype(str).replace("", "(unknown)").value_counts()
    vc = vc[vc > 0]
    return [(clean(k), int(v)) for k, v in vc.head(limit).items()], max(0, len(vc) - limit)


def _member(values: pd.Series, of) -> np.ndarray:
    """``values.isin(of)`` for many ids: a hash lookup in an Index (pandas' isin on Arrow strings first makes a
    Python list of them, 5× slower at 100,000 ids)."""
    return pd.Index(pd.unique(np.asarray(of, dtype=object))).get_indexer(values) >= 0


def _excerpt(text: str, spans: list[tuple[int, int]]) -> str:
    """The sentence holding the most matches (and the next one when it is short), cut at QUOTE_CHARS."""
    sentences = split_spans(text) or [(0, len(text))]
    if spans:
        hits = [sum(1 for s, _e in spans if a <= s < b) for a, b in sentences]
        i = max(range(len(sentences)), key=lambda k: (hits[k], -k))
    else:
        i = 0
    a, b = sentences[i]
    if b - a < 120 and i + 1 < len(sentences):
        b = sentences[i + 1][1]
    out = clean(text[a:b])
    if len(out) > QUOTE_CHARS:
        out = out[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return out


def _pick_one_per_speaker(ranked: pd.DataFrame) -> pd.DataFrame:
    """Up to MAX_QUOTES, strongest first: every named speaker's best before anyone's second, unknown speakers after
    the named."""
    ranked = ranked.assign(
        _nth=ranked.groupby("speaker", observed=True).cumcount(), _unknown=ranked["speaker"].astype(str) == ""
    )
    ranked = ranked.sort_values(["_nth", "_unknown", "_rank"], kind="stable")
    return ranked.head(MAX_QUOTES).sort_values("_rank")


def _theme_quotes(corpus, df: pd.DataFrame, themes: list[str], titles: dict) -> list[Quote]:
    tags = corpus.tags
    if tags is None or not len(df):
        return []
    mine = tags[_member(tags["passage_id"], df["passage_id"]) & (tags["theme"].isin(themes) if themes else True)]
    weight = mine["method"].eq("exact").map({True: 1.0, False: 0.5})
    strength = weight.groupby(mine["passage_id"]).sum()
    exact = mine["method"].eq("exact").groupby(mine["passage_id"]).sum()
    cand = df[_member(df["passage_id"], strength.index)].copy()
    cand["_strength"] = cand["passage_id"].map(strength)
    cand = cand.sort_values(
        ["_strength", "date_end", "passage_id"], ascending=[False, False, True], na_position="last", kind="stable"
    )
    cand["_rank"] = range(len(cand))
    chosen = _pick_one_per_speaker(cand)
    hits = mine[_member(mine["passage_id"], chosen["passage_id"])]  # match spans of the chosen passages only
    spans = {pid: list(zip(g["start"], g["end"])) for pid, g in hits.groupby("passage_id")}
    out = []
    for _, r in chosen.iterrows():
        n_exact = int(exact.get(r["passage_id"], 0))
        other = int(round((r["_strength"] - n_exact) * 2))
        why = ", ".join(
            x
            for x in (
                f"{n_exact} phrase match{'es' if n_exact != 1 else ''}" if n_exact else "",
                f"{other} other cue{'s' if other != 1 else ''}" if other else "",
            )
            if x
        )
        out.append(_quote(r, _excerpt(str(r["text"]), spans.get(r["passage_id"], [])), why, titles))
    return out


def _ask_quotes(asks: pd.DataFrame, passages: pd.DataFrame, titles: dict) -> list[Quote]:
    if not len(asks):
        return []
    url = passages.set_index("passage_id")["url"] if "url" in passages else pd.Series(dtype=str)
    cand = asks.assign(url=asks["passage_id"].map(url).fillna(""))
    cand = cand.sort_values(
        ["confidence", "date_end", "ask_id"], ascending=[False, False, True], na_position="last", kind="stable"
    )
    cand["_rank"] = range(len(cand))
    return [
        _quote(r, clean(r["text"]), f"ask, confidence {float(r['confidence']):.2f}", titles)
        for _, r in _pick_one_per_speaker(cand).iterrows()
    ]


def _quote(r, text: str, why: str, titles: dict) -> Quote:
    return Quote(
        text=text,
        speaker=clean(r["speaker"]) or "(speaker unknown)",
        date=clean(r["date"]) or "undated",
        venue=clean(r["venue"]) or "(venue unknown)",
        document=clean(titles.get(r["document"]) or r["document"]),
        passage_id=str(r.get("passage_id", "")),
        url=safe_url(str(r.get("url", "") or "")),
        why=why,
    )


def _ask_rows(ledger: pd.DataFrame, asks: pd.DataFrame, passages: pd.DataFrame) -> list[AskRow]:
    meta = passages.set_index("passage_id")[["speaker", "date"]]
    # the response's words as linked to this ask (one passage can answer two asks with different sentences)
    response_text = {
        (g, pid, st): t
        for g, pid, st, t in zip(
            asks["ask_group"], asks["response_passage"], asks["response_status"], asks["response_text"]
        )
    }
    rows = []
    for _, r in ledger.iterrows():
        pid = r["response_passage"]
        by = ""
        if pid and pid in meta.index:
            spk, d = meta.loc[pid, "speaker"], meta.loc[pid, "date"]
            by = ", ".join(x for x in (clean(spk), clean(d)) if x)
        rows.append(
            AskRow(
                label=clean(r["label"]),
                times_raised=int(r["times_raised"]),
                first_raised=r["first_raised"] or "undated",
                last_raised=r["last_raised"] or "undated",
                status=r["status"],
                response=clean(response_text.get((r["ask_group"], pid, r["status"]), "")),
                response_by=by,
            )
        )
    return rows


def _filters(state: FilterState, labels: dict, subject: tuple[str, str] | None) -> list[tuple[str, str]]:
    out = [subject] if subject else []
    if state.themes and (not subject or subject[0] != "Theme"):
        out.append(("Themes", ", ".join(labels.get(t, t) for t in state.themes)))
    out.append(
        (
            "Dates",
            f"{state.date_from or 'the first'} to {state.date_to or 'the last'}"
            if state.date_from or state.date_to
            else "all dates",
        )
    )
    out.append(("Undated passages", "included" if state.keeps_undated else "left out"))
    for what, values in (("Venues", state.venues), ("Speakers", state.speakers), ("Documents", state.documents)):
        if values:
            out.append((what, ", ".join(values)))
    if state.query:
        out.append(("Search text", state.query))
    return [(w, clean(v)) for w, v in out]


def build_briefing(
    corpus,
    state: FilterState = FilterState(),
    *,
    theme: str | None = None,
    ask_group: str | None = None,
    milestones: list[Milestone] = (),
    passages: pd.DataFrame | None = None,
    asks: pd.DataFrame | None = None,
    made_on: date | None = None,
) -> Briefing:
    """The briefing for ``theme`` (added to the filters), ``ask_group`` (its occurrences that match the filters) or,
    with neither, for the filters alone. ``passages`` / ``asks`` may be the frames already prepared by
    ``core.summary.prepare`` (the dashboard's); otherwise they are prepared here."""
    tax = corpus.taxonomy
    labels = tax.labels
    try:  # an unknown theme or ask: the nearest one suggested
        theme = resolve([theme], tax.ids, "theme")[0] if theme is not None else None
        if ask_group is not None:
            known = set(asks["ask_group"] if asks is not None else corpus.asks["ask_group"]) - {""}
            ask_group = resolve([ask_group], known, "ask")[0]
    except UnknownValue as exc:
        raise BriefError(str(exc)) from None
    if theme is not None:
        state = state.with_(themes=(theme,))
    p = passages if passages is not None else prepare(corpus.passages, tax.ids)
    a = asks if asks is not None else corpus.asks
    if a is not None and len(a) and "_m" not in a:
        a = prepare(a, tax.ids)
    a_f = a[filter_mask(a, state)] if a is not None and len(a) else pd.DataFrame(columns=corpus.asks.columns)
    df = p[filter_mask(p, state)]
    titles = {}
    docs = corpus.documents_frame()
    if len(docs):
        titles = {d: t for d, t in zip(docs["document"], docs["title"]) if t}
    last = p["date_end"].max()
    as_of = last.date() if pd.notna(last) else None
    themes = list(state.themes)
    if ask_group is not None:
        a_f = a_f[a_f["ask_group"] == ask_group]
        label = clean(a.loc[a["ask_group"] == ask_group, "ask_group_label"].iloc[0])
        df = df[_member(df["passage_id"], a_f["passage_id"])]
        ask_themes = [t for t in tax.ids if (a_f[THEME_PREFIX + t].any() if len(a_f) else False)]
        kind, title, subject = "ask", f"Ask: {label}", ("Ask", label)
        counted = a_f.assign(**{THEME_PREFIX + "_ask": True})  # one series: every occurrence of the ask
        freq = _freq(counted["date_start"].dropna())
        counts, undated = theme_timeline(counted, ["_ask"], freq)
        series = {"_ask": "Times raised"}
        themes = ask_themes
    else:
        if theme is not None:
            kind, title, subject = "theme", f"Theme: {labels[theme]}", ("Theme", labels[theme])
        else:
            kind, title, subject = (
                "filters",
                "Briefing: "
                + (describe(state, len(df), labels).split(" · ", 1)[-1] if state != FilterState() else "everything"),
                None,
            )
        freq = _freq(df["date_start"].dropna())
        shown = themes or [t for t in tax.ids if df[THEME_PREFIX + t].any()]
        counts, undated = theme_timeline(df, shown, freq)
        series = {t: labels[t] for t in shown}
    ledger = ask_summary(corpus, as_of=as_of, asks=a_f)
    h = headline(corpus, df)
    figures = [
        ("Passages", f"{h.passages:,}"),
        ("Documents", f"{h.documents:,}"),
        ("First raised", h.first_date or "—"),
        ("Last raised", h.last_date or "—"),
        ("Undated passages", f"{h.undated:,}"),
    ]
    if kind == "ask":
        row = ledger.iloc[0] if len(ledger) else None
        figures.insert(0, ("Times raised", f"{int(row['times_raised']) if row is not None else 0:,}"))
        figures.append(("Response", row["status"] if row is not None else "—"))
    else:
        figures.append(
            ("Asks", f"{len(ledger):,} (raised {int(ledger['times_raised'].sum()) if len(ledger) else 0:,} times)")
        )
    lo = pd.Timestamp(state.date_from) if state.date_from else None
    hi = pd.Timestamp(state.date_to) if state.date_to else None
    relevant = [
        m
        for m in milestones
        if m.concerns(themes)
        and (lo is None or pd.Timestamp(m.date) >= lo)
        and (hi is None or pd.Timestamp(m.date) <= hi)
    ]
    venues, _ = _named_counts(df["venue"])
    speakers, more_speakers = _named_counts(df["speaker"])
    quotes = _ask_quotes(a_f, p, titles) if kind == "ask" else _theme_quotes(corpus, df, themes, titles)
    notes = [
        "Counts are of passages (paragraphs of speech or text), each speech counted once even when two sources "
        "carry it.",
        QUOTE_RULE,
    ]
    if sum(undated.values()):
        notes.append(
            f"{sum(undated.values())} of the mentions counted have no date precise enough for the timeline: "
            "they are in the figures but not placed on it."
        )
    return Briefing(
        kind=kind,
        title=clean(title),
        subtitle=clean(describe(state, h.passages, labels)),
        filters=_filters(state, labels, subject),
        made_on=(made_on or date.today()).isoformat(),
        figures=figures,
        freq=freq,
        timeline=_continuous(counts, freq, series),
        undated=sum(undated.values()),
        milestones=relevant,
        venues=venues,
        speakers=speakers,
        more_speakers=more_speakers,
        asks=_ask_rows(ledger.head(MAX_ASKS), a_f, p),
        more_asks=max(0, len(ledger) - MAX_ASKS),
        quotes=quotes,
        notes=notes,
    )
