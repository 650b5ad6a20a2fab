"""The user's workspace on disk: documents added in the dashboard and an edited taxonomy.

Lives in ``$CAMPAIGN_TRACKER_DATA`` (default: ``data/`` in the project folder). Every write goes to a
temporary file first and is renamed into place, so a failed write never leaves a broken file behind and
never disturbs what is already stored. Every change (and every read-modify-write of the taxonomy) holds the
workspace's lock (``.workspace.lock``, a ``filelock.FileLock``): two browser tabs or processes take turns, and
one that waits longer than ``LOCK_TIMEOUT`` seconds is refused with ``WorkspaceBusy``, never overwrites.
A document name already stored is refused (``DocumentExists``) unless the caller asks to replace it.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

ENV = "CAMPAIGN_TRACKER_DATA"
LOCK_TIMEOUT = 10.0
#: the longest stored name, in bytes of UTF-8 (file systems allow 255; the temporary copy adds a few)
MAX_NAME_BYTES = 120
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class WorkspaceError(Exception):
    """A workspace file that cannot be read or written; the message names the file and the problem."""


class WorkspaceBusy(WorkspaceError):
    """Another tab or process held the workspace lock for longer than the timeout."""


class DocumentExists(WorkspaceError):
    """A document of that name (or of that document id: the name without its suffix) is already stored."""


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


def read_text(path: Path, fix: str, error: type[WorkspaceError] = WorkspaceError) -> str | None:
    """A workspace file's text, or None when there is none. A file that cannot be read or is not UTF-8 raises
    ``error`` naming the file and the problem, then ``fix`` (what the user can do)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not valid UTF-8 (byte {exc.start} is 0x{raw[exc.start]:02x}); {fix}") from None


def _keep(c: str) -> bool:
    """Letters, marks and digits of any script, and ``._ -``: no path separators, NUL, control or format
    characters, nor characters some file systems or shells treat specially."""
    return c in "._ -" or unicodedata.category(c)[0] in "LMN"


def _cap(name: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, cut between characters, keeping a short suffix such as ``.txt``."""
    if len(name.encode("utf-8")) <= limit:
        return name
    m = _SUFFIX.search(name)
    suffix = m.group() if m else ""
    stem = name[: len(name) - len(suffix)].encode("utf-8")[: limit - len(suffix)].decode("utf-8", errors="ignore")
    return stem.rstrip(" .") + suffix


def safe_name(name: str) -> str:
    r"""A file name that cannot escape the workspace, holds no NUL or control character and is at most
    ``MAX_NAME_BYTES`` bytes of UTF-8, keeping its letters in any script and its suffix.

    >>> safe_name("../../etc/passwd"), safe_name("My notes (v2).txt"), safe_name("..\\x\\日本語.txt")
    ('passwd', 'My notes v2.txt', '日本語.txt')
    >>> safe_name("a\x00b\x1b[31m.txt"), safe_name(".txt"), len(safe_name("x" * 245 + ".txt").encode())
    ('ab31m.txt', 'document.txt', 120)
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    cleaned = " ".join("".join(c for c in base if _keep(c)).split())
    m = _SUFFIX.search(cleaned)
    suffix = m.group() if m else ""
    stem = cleaned[: len(cleaned) - len(suffix)].strip(" .")
    if not stem:
        stem, suffix = "document", suffix or ".txt"
    return _cap(stem + suffix, MAX_NAME_BYTES)


class Workspace:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.documents_dir = self.root / "documents"
        self.taxonomy_path = self.root / "taxonomy.toml"
        self.lock_path = self.root / ".workspace.lock"

    @contextmanager
    def lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the workspace's lock (waiting at most ``timeout``, default LOCK_TIMEOUT seconds): one writer at a
        time, across tabs and processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        timeout = LOCK_TIMEOUT if timeout is None else timeout
        lock = FileLock(self.lock_path, timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise WorkspaceBusy(
                f"the workspace {self.root} is busy: another tab or process has been changing it "
                f"for more than {timeout:g} s; nothing was changed, try again"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def documents(self) -> list[tuple[str, bytes]]:
        """(file name, bytes) of every stored document, in name order."""
        return [(p.name, p.read_bytes()) for p in self._document_paths()]

    def document_names(self) -> list[str]:
        """The file name of every stored document, in name order (nothing is read)."""
        return [p.name for p in self._document_paths()]

    def _document_paths(self) -> list[Path]:
        if not self.documents_dir.is_dir():
            return []
        return [p for p in sorted(self.documents_dir.iterdir()) if p.is_file() and not p.name.startswith(".")]

    def add_document(self, name: str, data: bytes, replace: bool = False) -> str:
        """Store a document under ``safe_name(name)``; returns that name. A document with the same name or the
        same id (the name without its suffix) is refused with DocumentExists unless ``replace``, which replaces
        it (and removes the other file of that id)."""
        name = safe_name(name)
        stem = Path(name).stem
        with self.lock():
            same = [p for p in self._document_paths() if p.stem == stem]
            if same and not replace:
                raise DocumentExists(
                    f"a document called '{same[0].name}' is already in the workspace; "
                    "nothing was changed (remove it first, or choose to replace it)"
                )
            _atomic_write(self.documents_dir / name, data)
            for p in same:
                if p.name != name:
                    p.unlink(missing_ok=True)
        return name

    def remove_document(self, name: str) -> None:
        with self.lock():
            (self.documents_dir / safe_name(name)).unlink(missing_ok=True)

    def taxonomy_text(self) -> str | None:
        """The saved taxonomy, or None. A file that is not UTF-8 raises WorkspaceError naming it."""
        return read_text(self.taxonomy_path, "upload a corrected taxonomy or go back to the default")

    def save_taxonomy(self, text: str) -> None:
        with self.lock():
            _atomic_write(self.taxonomy_path, text.encode("utf-8"))

    def update_taxonomy(self, change: Callable[[str | None], str]) -> str:
        """Read, change and write the taxonomy under the lock, so a concurrent change is never lost. ``change``
        gets the saved text (None when there is none) and returns the new text; if it raises, nothing is
        written. Returns the new text."""
        with self.lock():
            text = change(self.taxonomy_text())
            _atomic_write(self.taxonomy_path, text.encode("utf-8"))
        return text

    def clear_taxonomy(self) -> None:
        with self.lock():
            self.taxonomy_path.unlink(missing_ok=True)


def default_workspace() -> Workspace:
    """$CAMPAIGN_TRACKER_DATA, else ``data/`` in the project folder when run from a checkout, else ``data/`` where
    the command runs (an installed package has no project folder)."""
    checkout = Path(__file__).resolve().parent.parent
    root = os.environ.get(ENV) or (checkout / "data" if (checkout / "pyproject.toml").is_file() else Path("data"))
    return Workspace(root)
