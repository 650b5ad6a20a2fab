"""CSV exports that a kill cannot mix and a spreadsheet cannot run.

An export is a set of tables written as one folder: every file goes into a hidden staging folder beside the
target, with a ``manifest.json`` listing the files, and the folder is swapped into place only when all of them are
complete. At any moment the target is the whole previous export or the whole new one (between the two renames of
a swap it is briefly absent; the next export or read finishes or undoes the swap). Leftover staging folders are
removed.

Cells that a spreadsheet would read as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) get a leading ``'``, as OWASP advises for CSV injection; numbers are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

MANIFEST = "manifest.json"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STAGE, _OLD = ".export-", ".previous-"


class ExportError(OSError):
    """The target cannot hold an export (it is not a folder, or holds files an export did not write)."""


def _neutral(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` in which no text cell can be run as a spreadsheet formula.

    >>> neutralise(pd.DataFrame({"t": ["=HYPERLINK(1)", "ok", "-x"], "n": [-1, 2, 3]})).to_dict("list")
    {'t': ["'=HYPERLINK(1)", 'ok', "'-x"], 'n': [-1, 2, 3]}
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(_neutral)
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        neutralise(df).to_csv(fh, index=False)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV bytes the dashboard offers for download (the same cells as the CLI export)."""
    return neutralise(df).to_csv(index=False).encode("utf-8")


def _siblings(out: Path, kind: str) -> list[Path]:
    return sorted(p for p in out.parent.glob(f".{out.name}{kind}*") if p.is_dir())


def recover(out_dir: Path | str) -> None:
    """Finish or undo a swap a kill interrupted, and remove staging folders left behind."""
    out = Path(out_dir)
    if not out.parent.is_dir():
        return
    olds = _siblings(out, _OLD)
    if not out.exists() and olds:  # killed between the two renames: the previous export goes back
        os.replace(olds[-1], out)
        olds = olds[:-1]
    for p in _siblings(out, _STAGE) + olds:
        shutil.rmtree(p, ignore_errors=True)


def _previous_files(out: Path, names: set[str]) -> None:
    """Refuse a target holding anything an export did not write (an export replaces the folder)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{out}: is a file, not a folder")
    known = set(names) | {MANIFEST}
    if (out / MANIFEST).is_file():
        try:
            known |= set(json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("files", {}))
        except (ValueError, OSError, AttributeError):
            pass
    foreign = sorted(p.name for p in out.iterdir() if p.name not in known)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise ExportError(
            f"{out}: holds files that are not part of an export ({shown}); an export replaces "
            "the whole folder, so choose a new or empty folder"
        )


def write_tables(out_dir: Path | str, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write ``tables`` (file name → frame) as one export folder, all or nothing. Returns the files' paths."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    _previous_files(out, set(tables))
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGE}", dir=out.parent))
    try:
        files = {}
        for name, df in tables.items():
            _write_csv(df, stage / name)
            files[name] = {"rows": int(len(df)), "columns": [str(c) for c in df.columns]}
        manifest = {"written": datetime.now(timezone.utc).isoformat(timespec="seconds"), "files": files}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}{_OLD}", dir=out.parent))
            os.replace(out, old)  # a kill from here to the next line is undone by recover()
            os.replace(stage, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        recover(out)
        raise
    return [out / name for name in tables]


def write_file(path: Path | str, df: pd.DataFrame) -> Path:
    """Write one CSV atomically (a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        _write_csv(df, Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
