"""Editing a user's taxonomy file from a form: one theme added or replaced by id in the workspace's taxonomy (an
extension of the default unless it says ``mode = "replace"``), written back as TOML. Comments in the file are not
kept; everything else is (other themes, named asks, mode, section_share)."""

from __future__ import annotations

import json
import tomllib

from .taxonomy import DEFAULT_PATH, Theme, TaxonomyError, default_taxonomy, parse_taxonomy


def _value(v) -> str:
    """A TOML value: strings as basic strings (JSON's escapes are TOML's), numbers, booleans, lists of these."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _table(header: str, data: dict) -> list[str]:
    lines = [f"[[{header}]]"]
    subtables = {k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    lines += [f"{k} = {_value(v)}" for k, v in data.items() if k not in subtables]
    for k, rows in subtables.items():
        for row in rows:
            lines += _table(f"{header}.{k}", row)
    return lines


def taxonomy_toml(data: dict) -> str:
    """A taxonomy file's parsed TOML (``tomllib.loads``) written back: top-level keys, then each [[theme]] (with its
    [[theme.context]] rules) and [[ask]].

    >>> text = 'mode = "extend"\\n[[theme]]\\nid = "a"\\nlabel = "Say \\\\"hi\\\\""\\nphrases = ["x y"]\\n'
    >>> tomllib.loads(taxonomy_toml(tomllib.loads(text))) == tomllib.loads(text)
    True
    """
    lines = [f"{k} = {_value(v)}" for k, v in data.items() if k not in ("theme", "ask")]
    for key in ("theme", "ask"):
        for row in data.get(key, []):
            lines += [""] + _table(key, row)
    return "\n".join(lines) + "\n"


def theme_data(theme: Theme) -> dict:
    """A theme as the dict a [[theme]] table parses to (empty parts left out)."""
    out = {"id": theme.id, "label": theme.label}
    if theme.description:
        out["description"] = theme.description
    out["phrases"] = list(theme.phrases)
    if theme.exclusions:
        out["exclusions"] = list(theme.exclusions)
    if theme.cues:
        out["cues"] = list(theme.cues)
    if theme.context:
        out["context"] = [{"phrases": list(r.phrases), "near": list(r.near), "window": r.window} for r in theme.context]
    return out


def with_theme(saved: str | None, theme: dict, source: str = "the workspace's taxonomy") -> str:
    """The saved taxonomy text (None: none yet, so a new file that extends the default) with ``theme`` (a [[theme]]
    table as a dict) added, or put in place of the theme with its id. The result is validated as it will be used
    (merged into the default unless the file replaces it); raises TaxonomyError naming the problem.

    >>> text = with_theme(None, {"id": "youth_services", "label": "Youth services", "phrases": ["youth clubs"]})
    >>> parse_taxonomy(text, base=default_taxonomy()).theme("youth_services").phrases
    ('youth clubs',)
    >>> "county_lines" in parse_taxonomy(text, base=default_taxonomy()).ids
    True
    """
    try:
        data = tomllib.loads(saved) if saved else {"mode": "extend"}
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: not valid TOML ({exc})") from exc
    themes = [t for t in data.get("theme", []) if t.get("id") != theme.get("id")]
    at = next((k for k, t in enumerate(data.get("theme", [])) if t.get("id") == theme.get("id")), len(themes))
    data["theme"] = themes[:at] + [theme] + themes[at:]
    text = taxonomy_toml(data)
    parse_taxonomy(text, source, base=default_taxonomy())
    return text


def default_for_download(mode: str = "extend") -> str:
    """The default taxonomy as a file to edit and load again: with ``mode = "extend"`` (the default) a trimmed copy
    adds to or changes the default themes and never drops the others; ``replace`` makes it the whole taxonomy.

    >>> 'mode = "extend"' in default_for_download() and 'mode = "replace"' in default_for_download("replace")
    True
    """
    if mode not in ("extend", "replace"):
        raise ValueError(f"mode must be 'extend' or 'replace', not {mode!r}")
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    return text.replace('\nmode = "replace"\n', f'\nmode = "{mode}"\n', 1)
