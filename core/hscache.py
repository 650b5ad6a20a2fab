"""Compiled hyperscan databases kept on disk: compiling the taxonomy's phrases takes about a second and the ask cues
a second or two, at every start of every process (the CLI, the dashboard, each worker of an engine). A database is
stored in the user's cache folder (``$CAMPAIGN_TRACKER_CACHE``, else ``$XDG_CACHE_HOME/campaign-tracker``, else
``~/.cache/campaign-tracker``) under a digest of everything it was compiled from (hyperscan's version, the
expressions, their flags and mode), so a changed phrase is a new file, never a stale database. A file that cannot be
read or loaded (missing, cut short, from another hyperscan) is compiled again and replaced; the file is written
whole under another name and renamed, so a reader never sees half of one. The folder is kept under ``MAX_BYTES``,
the least recently used databases removed first."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

MAX_BYTES = 200 * 1024 * 1024  # the cache folder's size, pruned least recently used first


def cache_dir() -> Path:
    """The folder compiled databases are kept in."""
    own = os.environ.get("CAMPAIGN_TRACKER_CACHE")
    if own:
        return Path(own)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "campaign-tracker"


def load_or_compile(hs, name: str, material: object, compile_: Callable[[], object]):
    """The database compiled by ``compile_()`` from ``material`` (anything with a stable ``repr``: the expressions,
    flags and mode), loaded from the cache when it is there. ``hs`` is the hyperscan module; ``name`` starts the
    file's name. Errors of ``compile_`` propagate and nothing is stored."""
    key = hashlib.sha256(repr((hs.__version__, material)).encode()).hexdigest()[:24]
    path = cache_dir() / f"{name}-{key}.hsdb"
    try:
        db = hs.loadb(path.read_bytes(), hs.HS_MODE_BLOCK)
        try:
            os.utime(path)  # used now: the last to be pruned
        except OSError:
            pass
        return db
    except (OSError, hs.error):
        pass
    db = compile_()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(hs.dumpb(db))
        os.replace(tmp, path)
        prune(path.parent)
    except OSError:  # a read-only or full disk: the database still works, it is compiled again next time
        pass
    return db


def prune(folder: Path, limit: int = MAX_BYTES) -> None:
    """Keep the folder's databases within ``limit`` bytes, removing the least recently used first (each taxonomy
    tried in the dashboard leaves a few MB; a loaded file counts as used)."""
    files = []
    for f in folder.glob("*.hsdb"):
        try:
            st = f.stat()
        except OSError:
            continue
        files.append((st.st_mtime, st.st_size, f))
    total = sum(size for _t, size, _f in files)
    for _t, size, f in sorted(files, key=lambda x: x[0]):
        if total <= limit:
            break
        try:
            f.unlink()
            total -= size
        except OSError:
            pass
