"""The user's workspace on disk: documents added in the dashboard and an edited taxonomy.

Lives in ``$CAMPAIGN_TRACKER_DATA`` (default: ``data/`` in the project folder). Every write goes to a
temporary file first and is renamed into place, so a failed write never leaves a broken file behind and
never disturbs what is already stored.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

ENV = "CAMPAIGN_TRACKER_DATA"
_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_name(name: str) -> str:
    """A file name that cannot escape the workspace.

    >>> safe_name("../../etc/passwd"), safe_name("My notes (v2).txt")
    ('passwd', 'My notes v2.txt')
    """
    base = Path(name.replace("\\\\", "/")).name
    cleaned = _SAFE.sub("", base).strip(" .")
    return cleaned or "document.txt"


class Workspace:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.documents_dir = self.root / "documents"
        self.taxonomy_path = self.root / "taxonomy.toml"

    def documents(self) -> list[tuple[str, bytes]]:
        """(file name, bytes) of every stored document, in name order."""
        if not self.documents_dir.is_dir():
            return []
        return [(p.name, p.read_bytes()) for p in sorted(self.documents_dir.iterdir())
                if p.is_file() and not p.name.startswith(".")]

    def add_document(self, name: str, data: bytes) -> str:
        name = safe_name(name)
        _atomic_write(self.documents_dir / name, data)
        return name

    def remove_document(self, name: str) -> None:
        (self.documents_dir / safe_name(name)).unlink(missing_ok=True)

    def taxonomy_text(self) -> str | None:
        return self.taxonomy_path.read_text(encoding="utf-8") if self.taxonomy_path.is_file() else None

    def save_taxonomy(self, text: str) -> None:
        _atomic_write(self.taxonomy_path, text.encode("utf-8"))

    def clear_taxonomy(self) -> None:
        self.taxonomy_path.unlink(missing_ok=True)


def default_workspace() -> Workspace:
    root = os.environ.get(ENV) or Path(__file__).resolve().parent.parent / "data"
    return Workspace(root)
