"""Pickers for long lists (documents, speakers): labelled for people, not ids, and bounded. A store of all of Hansard
has tens of thousands of documents and thousands of speakers; a multiselect sends every option to the browser at
every rerun, so past ``MAX_CHOICES`` a "Find" box comes first and the picker offers what matches it."""

from __future__ import annotations

from collections import Counter
from typing import Mapping, Sequence

import streamlit as st

from dashboard.text import md_escape

MAX_CHOICES = 200  # options a picker offers at once


def unique_labels(names: Mapping[str, str]) -> dict[str, str]:
    """id -> a label to show: its name, or the id where it has none; a name that several ids share gets the id too.

    >>> unique_labels({"a1": "Debate", "b2": "Debate", "c3": "", "d4": "Press release"})
    {'a1': 'Debate (a1)', 'b2': 'Debate (b2)', 'c3': 'c3', 'd4': 'Press release'}
    """
    counts = Counter(v for v in names.values() if v)
    return {k: (k if not v or v == k else v if counts[v] == 1 else f"{v} ({k})") for k, v in names.items()}


def choices(
    options: Sequence[str], labels: Mapping[str, str], selected: Sequence[str], find: str, cap: int = MAX_CHOICES
) -> tuple[list[str], int]:
    """(the options to offer, how many match). At most ``cap`` options: all of them, sorted by label, when there are
    no more; otherwise those whose label (or id) holds every word of ``find`` (any case), the first ``cap`` by label.
    What is already selected is always offered, first, so a selection is never lost by narrowing.

    >>> labels = {"d1": "County lines debate", "d2": "Care leavers", "d3": "County courts"}
    >>> choices(["d1", "d2", "d3"], labels, [], "", cap=5)
    (['d2', 'd3', 'd1'], 3)
    >>> choices(["d1", "d2", "d3"], labels, ["d2"], "county", cap=1)
    (['d2', 'd3'], 2)
    """
    by_label = sorted(options, key=lambda o: (labels.get(o, o).casefold(), o))
    if len(by_label) <= cap:
        return by_label, len(by_label)
    words = find.casefold().split()
    matching = [o for o in by_label if all(w in f"{labels.get(o, o)} {o}".casefold() for w in words)]
    chosen = set(selected)
    return list(selected) + [o for o in matching if o not in chosen][:cap], len(matching)


def picker(container, label: str, options: Sequence[str], labels: Mapping[str, str], key: str) -> list[str]:
    """A multiselect of ``options`` shown by ``labels``, its value in ``st.session_state[key]``; with more than
    ``MAX_CHOICES`` options, a "Find" box (``key`` + "_find") narrows what it offers."""
    find = ""
    if len(options) > MAX_CHOICES:
        find = container.text_input(
            f"Find {label.lower()}",
            key=f"{key}_find",
            placeholder="words in the name",
            help=f"{len(options):,} {label.lower()}: type words of a name to list those that match",
        )
    offered, matching = choices(options, labels, st.session_state.get(key) or [], find, cap=MAX_CHOICES)
    chosen = container.multiselect(label, offered, format_func=lambda o: labels.get(o, o), key=key)
    if matching > MAX_CHOICES:
        container.caption(f"Listing {MAX_CHOICES} of {matching:,} {label.lower()}: type in the box above to narrow")
    elif find and not matching:
        container.caption(md_escape(f"No {label.lower()} match “{find}”"))
    return chosen
