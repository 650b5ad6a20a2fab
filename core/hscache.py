"""Compiled hyperscan databases kept on disk: compiling the taxonomy's phrases takes about a second and the ask cues
a second or two, at every start of every process (the CLI, the dashboard, each worker of an engine). A database is
stored in the user's cache folder (``$CAMPAIGN_TRACKER_CACHE``, else ``$XDG_CACHE_HOME/campaign-tracker``, else
``~/.cache/campaign-tracker``) under a digest of everything it was compiled from (hyperscan's version, the
expressions, their flags and mode), so a changed phrase is a new file, never a stale database. A file that cannot be
read or loaded (missing, cut short, from another hyperscan) is compiled again and replaced; the file is written
whole under another name and renamed, so a reader never sees half of one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable


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
        return hs.loadb(path.read_bytes(), hs.HS_MODE_BLOCK)
    except (OSError, hs.error):
        pass
    db = compile_()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(hs.dumpb(db))
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk: the database still works, it is compiled again next time
        pass
    return db
