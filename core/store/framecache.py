"""``queries.passage_frame`` kept on disk, so a dashboard opening a big store does not rebuild it.

At 10 M passages DuckDB takes about 7 s to build the frame (dates worked out, one boolean column a theme, the
repeated strings as categories); read back from an uncompressed Arrow file, memory-mapped, it takes well under a
second. The file sits beside the store (``<store>.frame``), or, where that folder cannot be written (a store on a
read-only share), in the user's cache folder. It is written whole under another name and renamed, so a reader never
sees half of one (each writer its own temporary file), and it carries a key in its metadata: the store's own id (made
with it) and version, its passage count, a digest of its documents' content hashes and the taxonomy digest its tags
were made with, the theme ids asked for, the release and this module's format. A file with another key (or none, or that cannot be read) is ignored and replaced: the cache can
be stale or missing, never wrong. Deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..hscache import cache_dir
from . import queries

FORMAT = 2  # bump when passage_frame's columns or types change
_META = b"campaign_tracker_frame_key"


def frame(store, theme_ids) -> pd.DataFrame:
    """``queries.passage_frame(store, theme_ids)``: read from the cache when it holds this store version's frame,
    else built and kept."""
    theme_ids = list(theme_ids)
    key = frame_key(store, theme_ids)
    for path in _places(store.path):
        df = _read(path, key)
        if df is not None:
            return df
    df = queries.passage_frame(store, theme_ids)
    keep(store.path, key, df)
    return df


def warm(store, theme_ids) -> bool:
    """Build and keep the frame now (after an ingest) unless it is already kept; True when it was built."""
    theme_ids = list(theme_ids)
    key = frame_key(store, theme_ids)
    if any(_read(path, key, check_only=True) for path in _places(store.path)):
        return False
    keep(store.path, key, queries.passage_frame(store, theme_ids))
    return True


def frame_key(store, theme_ids) -> str:
    docs = store.con.execute(
        "SELECT count(*), coalesce(md5(string_agg(document || ':' || content_hash, ',' ORDER BY document)), '') "
        "FROM documents"
    ).fetchone()
    material = {
        "format": FORMAT,
        "store": store.meta("store_id") or "",  # a store made anew at the same path starts its versions again
        "release": _release(),  # a new release may read the same files into other passages
        "version": store.version,
        "passages": store.count("passages"),
        "documents": list(docs),
        "taxonomy": store.meta("taxonomy_digest") or "",
        "themes": list(theme_ids),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _release() -> str:
    try:
        from importlib.metadata import version

        return version("campaign-tracker")
    except Exception:  # not installed as a package (run from a checkout)
        return ""


def _places(store_path) -> list[Path]:
    """Where the frame of the store at ``store_path`` may be kept: beside it, then in the cache folder."""
    p = Path(store_path).resolve()
    digest = hashlib.sha256(str(p).encode()).hexdigest()[:24]
    return [p.with_name(p.name + ".frame"), cache_dir() / "frames" / f"{digest}.frame"]


def _read(path: Path, key: str, check_only: bool = False):
    try:
        reader = pa.ipc.open_file(pa.memory_map(str(path)))
        if (reader.schema.metadata or {}).get(_META) != key.encode():
            return None
        if check_only:
            return True
        return _from_table(reader.read_all())
    except (OSError, pa.ArrowException, ValueError):
        return None


def _from_table(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas()
    if "_m" in df:  # the year is the month index's (pandas builds a nullable column from Arrow ten times slower)
        m = df["_m"].to_numpy()
        year = pd.arrays.IntegerArray((np.maximum(m, 0) // 12).astype("int64"), m < 0)
        df.insert(df.columns.get_loc("_m"), "year", year)
    return df


def keep(store_path, key: str, df: pd.DataFrame) -> Path | None:
    """Write ``df`` as the frame of the store at ``store_path`` (beside it, else in the cache folder); the path
    written, or None when neither place could be written (the frame is then built again next time)."""
    if "_m" in df and "year" in df:
        df = df.drop(columns="year")
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: key.encode()})
    for path in _places(store_path):
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)  # one per writer
            os.close(fd)
            with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            os.replace(tmp, path)
            return path
        except OSError:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
    return None
