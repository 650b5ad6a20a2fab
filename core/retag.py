"""Re-tagging a store after a taxonomy change, from its stored text, in bounded memory.

The stored passages are read a run of whole documents at a time (about ``chunk`` passages; a document is never cut,
so section context sees all of its sections), tagged, and their tags and themes put in two temporary tables of the
store's connection (DuckDB spills them to disk beyond its memory limit): the themes only of the passages whose
themes change. The ingest's transaction then swaps them in (``core.store.db.swap_retagged``). Nothing here touches
what is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from . import schema

#: passages read and tagged at a time
CHUNK = 100_000
_TAGS, _THEMES = "_retag_tags", "_retag_themes"
_READ = ["passage_id", "document", "section_index", "section_title", "text", "themes"]


@dataclass(frozen=True)
class Retagged:
    """The new tags of every stored passage and the new themes of those whose themes change, waiting in the
    connection's temporary tables."""

    tags: str = _TAGS
    themes: str = _THEMES


def retag(store, taxonomy, engine=None, chunk: int = CHUNK) -> Retagged:
    """Tag every stored passage with ``taxonomy`` into the temporary tables (the store itself is not changed).
    ``engine`` (``core.engine``; default this process) tags the chunks, this process reads and collects them."""
    from .engine import LocalEngine, tag_chunk
    from .store.queries import document_runs

    con = store.con
    con.execute(f"DROP TABLE IF EXISTS {_TAGS}")
    con.execute(f"DROP TABLE IF EXISTS {_THEMES}")
    con.execute(f"CREATE TEMP TABLE {_TAGS} AS SELECT * FROM tags LIMIT 0")
    con.execute(f"CREATE TEMP TABLE {_THEMES} (passage_id VARCHAR, themes VARCHAR[])")
    cols = ", ".join(schema.quoted(_READ))

    def parts():  # each read whole (as Arrow: the workers make the Python objects) before it is handed on
        for lo, hi in document_runs(store, chunk):
            yield con.sql(
                f"SELECT {cols} FROM passages WHERE document BETWEEN ? AND ?", params=[lo, hi]
            ).to_arrow_table()

    for tags, themes in (engine or LocalEngine(1)).map(tag_chunk, parts(), taxonomy):
        for name, table in ((_TAGS, tags), (_THEMES, themes)):
            names = ", ".join(schema.quoted(table.column_names))
            con.register("_part", table)
            try:
                con.execute(f"INSERT INTO {name} ({names}) SELECT {names} FROM _part")
            finally:
                con.unregister("_part")
    return Retagged()


def themes_of(store, retagged: Retagged, ids: list[str]) -> dict[str, str]:
    """Passage id -> its new themes joined with ';' (as in frames), for ``ids``."""
    rows = store.con.execute(
        f"SELECT p.passage_id, coalesce(t.themes, p.themes) FROM passages p LEFT JOIN {retagged.themes} t "
        "USING (passage_id) WHERE p.passage_id IN (SELECT unnest(?))",
        [ids or [""]],
    ).fetchall()
    return {pid: ";".join(t) for pid, t in rows}


def asks_digest(taxonomy) -> str:
    """What of a taxonomy the ask ledger depends on: its named asks (ids, labels, phrases). Ask detection, the
    suggested groups and the responses depend on no theme; an ask's themes are its passage's and its own words'."""
    text = repr([(a.id, a.label, tuple(a.phrases)) for a in taxonomy.asks])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def rethemed_asks(store, retagged: Retagged, tagger):
    """The stored ledger with each ask's themes worked out again (its passage's new themes, then the themes its own
    sentence is tagged with, as ``asks.extract`` gives them); everything else as stored. For a re-tag whose named
    asks are those the ledger was grouped with."""
    from .asks import ask_themes

    asks = store.frame("asks")
    if asks.empty:
        return asks
    passage = themes_of(store, retagged, sorted(set(asks["passage_id"])))
    own = tagger.tag_texts(asks["text"].tolist(), fuzzy=False)
    asks["themes"] = [ask_themes(passage.get(pid, ""), ev) for pid, ev in zip(asks["passage_id"], own)]
    return asks
