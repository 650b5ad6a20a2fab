"""Write CSV exports atomically: every file goes to a temporary name first and is renamed into place
only when all of them are complete, so a failed or interrupted run never leaves a half-written export."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def write_tables(out_dir: Path | str, tables: dict[str, pd.DataFrame]) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, df in tables.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            staged.append((name, Path(tmp)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                df.to_csv(fh, index=False)
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    final = []
    for name, tmp in staged:
        target = out / name
        os.replace(tmp, target)
        final.append(target)
    return final


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV bytes the dashboard offers for download (same writer as the CLI export)."""
    return df.to_csv(index=False).encode("utf-8")
