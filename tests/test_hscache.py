"""Compiled matchers kept on disk (core.hscache): a second process loads the taxonomy's and the ask cues' databases
instead of compiling them, and tags and finds asks exactly as a freshly compiled one does; a damaged file is compiled
again; a cache folder that cannot be written costs only the time."""

from __future__ import annotations

import dataclasses
import shutil

import hyperscan
import pytest

import core.asks as asks_mod
import core.tagging.scan as scan_mod
from core.tagging import Tagger
from core.taxonomy import default_taxonomy

TAX = default_taxonomy()


class _NoCompiling:
    """hyperscan, except that compiling a database is an error: what is built with it was loaded from the cache."""

    def __getattr__(self, name):
        return getattr(hyperscan, name)

    def Database(self):  # noqa: N802 (hyperscan's name)
        raise AssertionError("compiled instead of loaded")


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache folder holding the default taxonomy's databases, and the tagger that compiled them."""
    folder = tmp_path_factory.mktemp("warm")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAMPAIGN_TRACKER_CACHE", str(folder))
        return folder, Tagger(TAX)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_TRACKER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def warm_cache(warm, cache):
    shutil.copytree(warm[0], cache)
    return cache


def test_a_second_tagger_loads_every_database_and_tags_the_same(warm, warm_cache, monkeypatch, passages):
    cache, first = warm_cache, warm[1]
    texts = passages["text"].tolist()
    files = sorted(cache.glob("phrases-*.hsdb"))
    # the main phrases, the slips and each theme's cues and each context rule's near words: one file each
    assert len(files) >= 2 + len(first.cue_scanners) + len(first._near_by_rule)
    contents = {f: f.read_bytes() for f in files}
    monkeypatch.setattr(scan_mod, "_hs", _NoCompiling())
    second = Tagger(TAX)
    assert second.tag_columns(texts) == first.tag_columns(texts)
    assert {f: f.read_bytes() for f in cache.glob("phrases-*.hsdb")} == contents  # nothing written
    slips = ["county lnies and cuckoing"]
    assert second.tag_texts(slips) == first.tag_texts(slips)
    assert [e["method"] for e in second.tag_texts(slips)[0]] == ["fuzzy", "fuzzy"]


def test_a_changed_phrase_is_compiled_not_taken_from_the_cache(warm_cache, monkeypatch):
    theme = TAX.theme("county_lines")
    changed = dataclasses.replace(theme, phrases=(*theme.phrases, "dealing line phone"))
    tax = dataclasses.replace(TAX, themes=tuple(changed if t.id == theme.id else t for t in TAX.themes))
    monkeypatch.setattr(scan_mod, "_hs", _NoCompiling())
    with pytest.raises(AssertionError, match="compiled instead of loaded"):
        Tagger(tax)
    monkeypatch.undo()
    assert {e["matched_text"] for e in Tagger(tax).tag_texts(["He kept the dealing line phone."])[0]} == {
        "dealing line phone"
    }


def test_a_damaged_file_is_compiled_again_and_replaced(warm, warm_cache, passages):
    cache = warm_cache
    texts = passages["text"].tolist()[:200]
    expected = warm[1].tag_columns(texts)
    main = max(cache.glob("phrases-*.hsdb"), key=lambda f: f.stat().st_size)  # the main phrases' database
    whole = main.read_bytes()
    main.write_bytes(whole[: len(whole) // 2])
    assert Tagger(TAX).tag_columns(texts) == expected
    assert main.read_bytes() == whole and not list(cache.glob("*.tmp"))


def test_a_cache_folder_that_cannot_be_written_costs_only_time(warm, tmp_path, monkeypatch, passages):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CAMPAIGN_TRACKER_CACHE", str(blocked / "cache"))
    texts = passages["text"].tolist()[:200]
    assert Tagger(TAX).tag_columns(texts) == warm[1].tag_columns(texts)
    assert blocked.read_text() == "a file where the cache folder would be"


def test_the_ask_cues_are_loaded_by_a_second_process_and_find_the_same(cache, monkeypatch, corpus):
    monkeypatch.setattr(asks_mod, "_SCANNER", None)
    asks, _c = asks_mod.extract(corpus.passages, scan_min=0)
    assert len(list(cache.glob("ask-cues-*.hsdb"))) == 1
    monkeypatch.setattr(asks_mod, "_SCANNER", None)  # as a new process starts
    monkeypatch.setattr(asks_mod, "_hs", _NoCompiling())
    again, _c = asks_mod.extract(corpus.passages, scan_min=0)
    assert asks_mod._SCANNER and len(again) == len(asks) > 20
    assert again.equals(asks)


def test_another_process_with_other_string_hashes_compiles_nothing(warm_cache):
    """The patterns are listed in the same order in every process (Python's string hashes, and so a set's order,
    differ from one process to the next), so another process finds every database it needs."""
    import os
    import subprocess
    import sys

    cache = warm_cache
    before = sorted(p.name for p in cache.iterdir())
    code = "from core.tagging import Tagger; from core.taxonomy import default_taxonomy; Tagger(default_taxonomy())"
    env = {**os.environ, "PYTHONHASHSEED": "0", "CAMPAIGN_TRACKER_CACHE": str(cache)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert sorted(p.name for p in cache.iterdir()) == before


def test_the_cache_folder_is_kept_small_least_recently_used_first(tmp_path):
    """Each taxonomy tried leaves a few MB: past the limit, the databases used longest ago go first."""
    import os

    from core.hscache import prune

    for k, name in enumerate(["old", "used", "new"]):
        f = tmp_path / f"phrases-{name}.hsdb"
        f.write_bytes(b"x" * 1000)
        os.utime(f, (1_000_000 + k, 1_000_000 + k))
    os.utime(tmp_path / "phrases-used.hsdb", (2_000_000, 2_000_000))  # loaded lately
    (tmp_path / "notes.txt").write_bytes(b"y" * 5000)  # not a database: never touched
    prune(tmp_path, limit=2500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "phrases-new.hsdb", "phrases-used.hsdb"]
    prune(tmp_path, limit=2500)
    assert len(list(tmp_path.glob("*.hsdb"))) == 2


def test_loading_a_database_marks_it_used(warm_cache):
    import os

    files = list(warm_cache.glob("phrases-*.hsdb"))
    for f in files:
        os.utime(f, (1_000_000, 1_000_000))
    Tagger(TAX)
    assert all(f.stat().st_mtime > 1_000_000 for f in files)
