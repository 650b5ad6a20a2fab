"""Metadata the user sets for a document that does not give it: a sidecar file beside the document, command-line
options, or the upload form (all through :func:`validate` and :func:`apply`). Never guessed.

A sidecar is TOML named after the document: ``release.txt.meta.toml`` or ``release.meta.toml``::

    date = 2020-03-03            # or "2020-03", "2020", "3 March 2020"
    venue = "Press release"      # one of core.schema.VENUES
    title = "Charity calls for a national strategy"
    speaker = "Jane Example"
    url = "https://example.org/news/strategy"

The values fill what the document leaves empty: a passage's own date, venue, speaker or link is kept (and the
document says how many kept their own). Each value set is flagged on the passage (``date_set_by_user``, ...).
"""

from __future__ import annotations

import difflib
import tomllib
from datetime import date as _date
from pathlib import Path

from ..model import Document
from ..schema import HOUSES, KINDS, VENUES
from .common import HOUSE_OF, DateError, implausible, parse_date_line

FIELDS = ("date", "venue", "title", "speaker", "speaker_id", "house", "kind", "url")
SUFFIX = ".meta.toml"


def _suggest(value: str, allowed) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_date(value) -> tuple[str, str]:
    """A user's date -> (ISO date, precision); ValueError in words.

    >>> parse_date("2020-03-03"), parse_date("2020-03"), parse_date("2019"), parse_date("3 March 2020")
    (('2020-03-03', 'day'), ('2020-03', 'month'), ('2019', 'year'), ('2020-03-03', 'day'))
    """
    if isinstance(value, tuple) and len(value) == 2:  # already read
        iso, precision = value
    elif isinstance(value, _date):
        iso, precision = value.isoformat()[:10], "day"
    else:
        s = str(value).strip()
        try:
            if len(s) == 10 and s[4] == "-":
                iso, precision = _date.fromisoformat(s).isoformat(), "day"
            elif len(s) == 7 and s[4] == "-" and s[:4].isdigit() and 1 <= int(s[5:]) <= 12:
                iso, precision = s, "month"
            elif len(s) == 4 and s.isdigit():
                iso, precision = s, "year"
            else:
                got = parse_date_line(s)
                if not got:
                    raise ValueError
                iso, precision = got
        except (ValueError, DateError):
            raise ValueError(f"date {s!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)") from None
    if implausible(iso):
        raise ValueError(f"date {iso} is before 1803 or after next year")
    return iso, precision


def validate(raw: dict, where: str) -> dict:
    """The user's metadata checked: known keys, a real date, a venue / house / kind from the vocabulary, text values.
    Raises ValueError naming ``where`` (the sidecar file, or the option) and every problem."""
    problems, out = [], {}
    for key, value in raw.items():
        if key not in FIELDS:
            problems.append(f"unknown key '{key}'{_suggest(key, FIELDS)}; known: {', '.join(FIELDS)}")
            continue
        if value is None or value == "":
            continue
        if key == "date":
            try:
                out["date"] = parse_date(value)
            except ValueError as exc:
                problems.append(str(exc))
            continue
        if not isinstance(value, str):
            problems.append(f"'{key}' must be text, not {type(value).__name__}")
            continue
        value = " ".join(value.split())
        for name, vocab in (("venue", VENUES), ("house", HOUSES), ("kind", KINDS)):
            if key == name and value not in vocab:
                match = {v.lower(): v for v in vocab}.get(value.lower())
                if match:
                    value = match
                else:
                    problems.append(f"{name} '{value}' is not one of: {', '.join(vocab)}{_suggest(value, vocab)}")
                    value = ""
        if key == "url" and not value.startswith(("http://", "https://")):
            problems.append(f"url '{value}' must start with http:// or https://")
            continue
        if value:
            out[key] = value
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    return out


def sidecar_for(path: Path) -> Path | None:
    """The sidecar beside a document (``name.ext.meta.toml``, else ``name.meta.toml``), or None."""
    for cand in (path.with_name(path.name + SUFFIX), path.with_name(path.stem + SUFFIX)):
        if cand != path and cand.is_file():
            return cand
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIX)


def document_of(sidecar: Path) -> Path | None:
    """The document a sidecar describes (``release.txt`` for ``release.txt.meta.toml``, or any ``release.*`` for
    ``release.meta.toml``), or None."""
    base = sidecar.name[: -len(SUFFIX)]
    named = sidecar.with_name(base)
    if named.is_file():
        return named
    return next((q for q in sorted(sidecar.parent.glob(f"{base}.*")) if q.is_file() and not is_sidecar(q)), None)


def load_sidecar(path: Path) -> tuple[dict, bytes]:
    """(validated metadata, raw bytes) of the sidecar beside ``path``; ({}, b'') when there is none."""
    side = sidecar_for(path)
    if side is None:
        return {}, b""
    raw = side.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValueError(f"{side.name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{side.name}: not valid TOML ({exc})") from None
    return validate(data, side.name), raw


def apply(doc: Document, meta: dict, source: str = "the user") -> Document:
    """Fill what the document leaves empty with the user's values, flagging each passage that takes one."""
    if not meta:
        return doc
    kept: dict[str, int] = {}
    house = meta.get("house") or HOUSE_OF.get(meta.get("venue", ""), "")
    for p in doc.passages:
        if "date" in meta:
            if p.date:
                kept["date"] = kept.get("date", 0) + 1
            else:
                p.date, p.date_precision = meta["date"]
                p.quality_flags = ";".join(f for f in p.quality_flags.split(";") if f and f != "undated")
                p.add_flag("date_set_by_user")
        if "venue" in meta:
            if p.venue:
                kept["venue"] = kept.get("venue", 0) + 1
            else:
                p.venue = meta["venue"]
                p.house = p.house or house
                p.add_flag("venue_set_by_user")
        if "speaker" in meta:
            if p.speaker:
                kept["speaker"] = kept.get("speaker", 0) + 1
            else:
                p.speaker, p.speaker_basis = meta["speaker"], f"set by {source}"
                p.speaker_id = p.speaker_id or meta.get("speaker_id", "")
        for key in ("kind", "url", "house"):
            if key in meta and not getattr(p, key):
                setattr(p, key, meta[key])
        if "title" in meta and not p.section_title:
            p.section_title = meta["title"]
            p.section_path = p.section_path or meta["title"]
    if "title" in meta and not doc.title:
        doc.title = meta["title"]
    if "url" in meta and not doc.url:
        doc.url = meta["url"]
    drop = (("no date in the document", "no date on the page") if "date" in meta else ()) + (
        ("venue unknown",) if "venue" in meta else ()
    )
    doc.flags = [f for f in doc.flags if not (drop and f.startswith(drop))]
    shown = {k: (v[0] if k == "date" else v) for k, v in meta.items()}
    doc.flags.append(f"set by {source}: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    for key, n in kept.items():
        doc.flags.append(f"{key} set by {source} not used for {n} passage(s) that have their own")
    return doc
