"""Re-tagging a store after a taxonomy change, from its stored text, in bounded memory.

The stored passages are read a run of whole documents at a time (about ``chunk`` passages; a document is never cut,
so section context sees all of its sections), tagged, and their tags and themes put in two temporary tables of the
store's connection (DuckDB spills them to disk beyond its memory limit). ``apply`` then swaps them in inside the
ingest's transaction: the tags table is replaced, and the passages whose themes changed get their new ones, by an
``UPDATE`` when they are few, else by writing the passages table anew (DuckDB updates a list column at some 45 µs
a row; writing a million passages anew takes a few seconds). Nothing here touches what is stored until ``apply``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from . import schema

#: passages read and tagged at a time
CHUNK = 100_000
#: above this share of changed rows the passages table is written anew rather than updated row by row
REWRITE_SHARE = 1 / 15

_TAGS, _THEMES = "_retag_tags", "_retag_themes"
_READ = ["passage_id", "document", "section_index", "section_title", "text"]


@dataclass(frozen=True)
class Retagged:
    """The new tags and themes of every stored passage, waiting in the connection's temporary tables."""

    tags: str = _TAGS
    themes: str = _THEMES
    passages: int = 0


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

    total = 0
    for tags, themes in (engine or LocalEngine(1)).map(tag_chunk, parts(), taxonomy):
        for name, table in ((_TAGS, tags), (_THEMES, themes)):
            names = ", ".join(schema.quoted(table.column_names))
            con.register("_part", table)
            try:
                con.execute(f"INSERT INTO {name} ({names}) SELECT {names} FROM _part")
            finally:
                con.unregister("_part")
        total += themes.num_rows
    return Retagged(passages=total)


def themes_of(store, retagged: Retagged, ids: list[str]) -> dict[str, str]:
    """Passage id -> its new themes joined with ';' (as in frames), for ``ids``."""
    rows = store.con.execute(
        f"SELECT passage_id, themes FROM {retagged.themes} WHERE passage_id IN (SELECT unnest(?))", [ids or [""]]
    ).fetchall()
    return {pid: ";".join(t) for pid, t in rows}


def apply(store, retagged: Retagged) -> None:
    """Swap the new tags and themes in (inside the caller's transaction), then drop the temporary tables."""
    con = store.con
    con.execute("DELETE FROM tags")
    names = ", ".join(schema.quoted(schema.names("tags")))
    con.execute(f"INSERT INTO tags ({names}) SELECT {names} FROM {retagged.tags}")
    n = con.execute("SELECT count(*) FROM passages").fetchone()[0]
    changed = con.execute(
        f"SELECT count(*) FROM passages p JOIN {retagged.themes} t USING (passage_id) "
        "WHERE p.themes IS DISTINCT FROM t.themes"
    ).fetchone()[0]
    if changed and changed <= n * REWRITE_SHARE:
        con.execute(
            f"UPDATE passages SET themes = t.themes FROM {retagged.themes} t "
            "WHERE passages.passage_id = t.passage_id AND passages.themes IS DISTINCT FROM t.themes"
        )
    elif changed:  # a new table in the same order, then in the old one's place
        cols = [r[0] for r in con.execute("SELECT * FROM passages LIMIT 0").description]
        sel = ", ".join("coalesce(t.themes, p.themes)" if c == "themes" else f'p."{c}"' for c in cols)
        con.execute(store._ddl("passages", "_passages_new"))
        con.execute(
            f"INSERT INTO _passages_new SELECT {sel} FROM passages p LEFT JOIN {retagged.themes} t "
            "USING (passage_id) ORDER BY p.rowid"
        )
        con.execute("DROP TABLE passages")
        con.execute("ALTER TABLE _passages_new RENAME TO passages")
    con.execute(f"DROP TABLE IF EXISTS {retagged.tags}")
    con.execute(f"DROP TABLE IF EXISTS {retagged.themes}")


#: meta key: the digest of the named asks the stored ledger was grouped with
ASKS_DIGEST = "asks_digest"


def asks_digest(taxonomy) -> str:
    """What of a taxonomy the ask ledger depends on: its named asks (ids, labels, phrases). Ask detection, the
    suggested groups and the responses depend on no theme; an ask's themes are its passage's and its own words'."""
    text = repr([(a.id, a.label, tuple(a.phrases)) for a in taxonomy.asks])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def rethemed_asks(store, retagged: Retagged, tagger):
    """The stored ledger with each ask's themes worked out again (its passage's new themes, then the themes its own
    sentence is tagged with, as ``asks.extract`` gives them); everything else as stored. For a re-tag whose named
    asks are those the ledger was grouped with."""
    from .summary import theme_list

    asks = store.frame("asks")
    if asks.empty:
        return asks
    passage = themes_of(store, retagged, sorted(set(asks["passage_id"])))
    own = tagger.tag_texts(asks["text"].tolist(), fuzzy=False)
    asks["themes"] = [
        ";".join(dict.fromkeys(theme_list(passage.get(pid, "")) + [e["theme"] for e in ev if e["method"] != "section"]))
        for pid, ev in zip(asks["passage_id"], own)
    ]
    return asks
