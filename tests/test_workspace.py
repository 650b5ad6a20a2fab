"""The workspace (core.workspace): safe upload names, no silent overwrite, one writer at a time, a broken saved
taxonomy reported by name."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

import core.workspace as workspace
from core.workspace import DocumentExists, MAX_NAME_BYTES, Workspace, WorkspaceBusy, WorkspaceError, safe_name


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("日本語.txt", "日本語.txt"),
        ("Ünïcödé café – notes.txt", "Ünïcödé café notes.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\evil.txt", "evil.txt"),
        ("/abs/path/report.xml", "report.xml"),
        ("nul\x00in\x00name.txt", "nulinname.txt"),
        ("bell\x07 and \x1b[31mred\x1b[0m\r\n.txt", "bell and 31mred0m.txt"),
        ("rtl\u202eoverride.txt", "rtloverride.txt"),
        (".hidden.txt", "hidden.txt"),
        ("...", "document.txt"),
        (".txt", "document.txt"),
        ("", "document.txt"),
    ],
)
def test_safe_name_keeps_letters_and_drops_path_parts_and_controls(raw, expected):
    assert safe_name(raw) == expected


@pytest.mark.parametrize("raw", ["x" * 245 + ".txt", "日本" * 120 + ".txt", "é" * 300 + ".xml", "a" * 1000])
def test_safe_name_is_capped_in_bytes_keeping_the_suffix(raw):
    name = safe_name(raw)
    size = len(name.encode("utf-8"))
    assert MAX_NAME_BYTES - 3 <= size <= MAX_NAME_BYTES  # cut between characters, never inside one
    assert name.endswith(raw[-4:]) if "." in raw else name == "a" * MAX_NAME_BYTES
    assert name[0] == raw[0]


def test_a_245_character_name_is_stored(tmp_path):
    ws = Workspace(tmp_path)
    name = ws.add_document("Parallel Parliament " + "county lines " * 17 + "debate.txt", b"County lines.\n")
    assert name.endswith(".txt") and len(name.encode()) <= MAX_NAME_BYTES
    assert ws.documents() == [(name, b"County lines.\n")]
    assert ws.add_document("日本語.txt", b"x") == "日本語.txt"
    assert (tmp_path / "documents" / "日本語.txt").read_bytes() == b"x"


def test_same_name_twice_is_refused_unless_replace(tmp_path):
    ws = Workspace(tmp_path)
    ws.add_document("notes.txt", b"first")
    with pytest.raises(DocumentExists, match="'notes.txt' is already in the workspace"):
        ws.add_document("notes.txt", b"second")
    with pytest.raises(DocumentExists):  # the same document id (the name without its suffix)
        ws.add_document("notes.xml", b"<x/>")
    with pytest.raises(DocumentExists):  # the same name once made safe
        ws.add_document("../notes.txt", b"third")
    assert ws.documents() == [("notes.txt", b"first")]
    assert ws.add_document("notes.txt", b"second", replace=True) == "notes.txt"
    assert ws.documents() == [("notes.txt", b"second")]
    ws.add_document("notes.xml", b"<x/>", replace=True)  # replaces the .txt: one file per document id
    assert ws.documents() == [("notes.xml", b"<x/>")]
    assert ws.document_names() == ["notes.xml"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_two_writers_of_one_name_at_once_one_wins_one_is_told(tmp_path):
    ws = Workspace(tmp_path)
    start, results = threading.Barrier(8), []

    def upload(i):
        start.wait()
        try:
            Workspace(tmp_path).add_document("same.txt", f"version {i}".encode())
            results.append(("added", i))
        except DocumentExists:
            results.append(("refused", i))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    added = [i for what, i in results if what == "added"]
    assert len(added) == 1 and len(results) == 8
    assert ws.documents() == [("same.txt", f"version {added[0]}".encode())]


def _append_blocks(root: str, who: int, n: int) -> None:
    ws = Workspace(root)
    for k in range(n):

        def change(text, k=k):
            time.sleep(0.002)  # widen the read-modify-write window: an unlocked version loses blocks here
            return (text or "") + f"# block {who}-{k}\n"

        ws.update_taxonomy(change)


def test_concurrent_taxonomy_changes_are_all_kept(tmp_path):
    """Four processes and four threads each add five blocks at once: all forty are in the file."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_blocks, args=(str(tmp_path), i, 5)) for i in range(4)]
    threads = [threading.Thread(target=_append_blocks, args=(str(tmp_path), 10 + i, 5)) for i in range(4)]
    for w in procs + threads:
        w.start()
    for w in procs + threads:
        w.join(60)
    assert all(p.exitcode == 0 for p in procs)
    lines = Workspace(tmp_path).taxonomy_text().splitlines()
    assert sorted(lines) == sorted(f"# block {w}-{k}" for w in [0, 1, 2, 3, 10, 11, 12, 13] for k in range(5))


def test_a_failed_change_writes_nothing(tmp_path):
    ws = Workspace(tmp_path)
    ws.save_taxonomy('mode = "extend"\n')

    def bad(text):
        raise ValueError("no")

    with pytest.raises(ValueError):
        ws.update_taxonomy(bad)
    assert ws.taxonomy_text() == 'mode = "extend"\n'


def test_a_writer_that_waits_too_long_is_refused_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "LOCK_TIMEOUT", 0.2)
    ws = Workspace(tmp_path)
    ws.save_taxonomy("a = 1\n")
    held, release = threading.Event(), threading.Event()

    def hold():
        with Workspace(tmp_path).lock():
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        for attempt in (
            lambda: ws.save_taxonomy("b = 2\n"),
            lambda: ws.add_document("x.txt", b"x"),
            lambda: ws.update_taxonomy(lambda s: s + "c = 3\n"),
            ws.clear_taxonomy,
        ):
            with pytest.raises(WorkspaceBusy, match=r"is busy: another tab or process .* nothing was changed"):
                attempt()
    finally:
        release.set()
        t.join()
    assert ws.taxonomy_text() == "a = 1\n" and ws.documents() == []
    ws.save_taxonomy("b = 2\n")  # free again
    assert ws.taxonomy_text() == "b = 2\n"


def test_a_saved_taxonomy_that_is_not_utf8_is_reported_by_name(tmp_path):
    ws = Workspace(tmp_path)
    ws.taxonomy_path.write_bytes('label = "Children’s homes"\n'.encode("cp1252"))
    with pytest.raises(WorkspaceError) as exc:
        ws.taxonomy_text()
    msg = str(exc.value)
    assert str(ws.taxonomy_path) in msg and "not valid UTF-8" in msg and "byte 17 is 0x92" in msg
    ws.clear_taxonomy()  # the reset still works
    assert ws.taxonomy_text() is None
