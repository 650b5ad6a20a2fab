"""Load and validate the taxonomy TOML (themes and named asks).

The default file ships beside this module. A user's file either extends it (themes with a new id are
added, themes with an existing id replace the default) or replaces it (``mode = "replace"``).
Validation errors name the theme and the problem; the caller keeps its previous taxonomy.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent / "taxonomy.toml"
ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
ID_RULE = "'id' must be 2-64 characters: a lowercase letter, then lowercase letters, digits or underscores"
_MATCHED = "(only A-Z, a-z and 0-9 are matched; other characters count as spaces)"
_NORM_TABLE = bytes(
    (c + 32 if 65 <= c <= 90 else c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 10) else 32
    for c in range(256)
)


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the theme and the problem."""


_CONTINUATION = bytes(range(0x80, 0xC0))
# the tagger's scanning copy: same length as the UTF-8 text (offsets carry over), lowercase ASCII letters
# and digits kept, every other byte (newlines, punctuation, each byte of a non-ASCII character) a space
_SCAN_TABLE = bytes(b if b != 10 else 32 for b in _NORM_TABLE)


def normalise_bytes(data: bytes) -> bytes:
    """UTF-8 in, one byte per character out: ASCII letters lowercased, digits kept, newlines kept (they
    separate passages), every other character (punctuation, hyphens, dashes, curly quotes, any non-ASCII
    character) becomes one space. UTF-8 continuation bytes are dropped, so an offset in the result is a
    character offset in the source text.

    >>> normalise_bytes("Looked-After children’s—homes".encode())
    b'looked after children s homes'
    """
    return data.translate(_NORM_TABLE, _CONTINUATION)


def normalise_phrase(phrase: str) -> str:
    """'Children’s homes' -> 'children s homes' (the same normalisation as the text, spaces collapsed)."""
    return " ".join(normalise_bytes(phrase.encode("utf-8")).decode("ascii").split())


@dataclass(frozen=True)
class ContextRule:
    phrases: tuple[str, ...]
    near: tuple[str, ...]
    window: int


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    phrases: tuple[str, ...]
    exclusions: tuple[str, ...] = ()
    context: tuple[ContextRule, ...] = ()
    cues: tuple[str, ...] = ()

    def definition(self, section_share: float) -> list[dict[str, str]]:
        """How the theme is recognised, in words, one row per rule (shown in the dashboard as plain text)."""
        rows = [{"rule": "phrases (any one tags a passage)", "text": "; ".join(self.phrases)}]
        if self.exclusions:
            rows.append({"rule": "exclusions (cancel a match they overlap)", "text": "; ".join(self.exclusions)})
        for k, r in enumerate(self.context, 1):
            rows.append(
                {
                    "rule": f"context rule {k} (counts within {r.window} words of a near word)",
                    "text": f"{'; '.join(r.phrases)} — near: {'; '.join(r.near)}",
                }
            )
        if self.cues:
            rows.append(
                {
                    "rule": f"cues (count in a section whose title matches or where {section_share:.0%} of "
                    "passages match)",
                    "text": "; ".join(self.cues),
                }
            )
        return rows


@dataclass(frozen=True)
class NamedAsk:
    id: str
    label: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    asks: tuple[NamedAsk, ...] = ()
    section_share: float = 0.3
    source: str = "default"
    digest: str = ""

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.themes}

    @property
    def size(self) -> int:
        """How many phrases of every kind (phrases, exclusions, context phrases and near words, cues, asks)."""
        return sum(
            len(t.phrases) + len(t.exclusions) + len(t.cues) + sum(len(r.phrases) + len(r.near) for r in t.context)
            for t in self.themes
        ) + sum(len(a.phrases) for a in self.asks)

    def size_warning(self) -> str | None:
        """A plain-language warning for a very large taxonomy (None when it is an ordinary size)."""
        if self.size < LARGE_TAXONOMY:
            return None
        return (
            f"{self.source}: a large taxonomy ({self.size:,} phrases); compiling it and re-tagging the store "
            "take a while, and every phrase is matched in every passage"
        )


#: English function words: a phrase made only of these ("of", "the", "in the") matches nearly every passage, so it
#: is refused (a phrase that has one content word, "in care", is fine)
FUNCTION_WORDS = frozenset(
    """
a about above across after against all along also am among an and any are as at be been before being below
between both but by can could did do does doing down during each either every few for from had has have having
he her here hers herself him himself his how i if in into is it its itself just may me might more most must my
myself neither no nor not now of off on once one only or other ought our ours ourselves out over own per same
shall she should so some such than that the their theirs them themselves then there these they this those
through to too under until up upon us very was we were what when where whether which while who whom whose why
will with within without would yet you your yours yourself yourselves s t
""".split()
)
#: a taxonomy this size (phrases of every kind) compiles for a noticeable time; the CLI and dashboard say so
LARGE_TAXONOMY = 2000

_THEME_KEYS = {"id", "label", "description", "phrases", "exclusions", "context", "cues"}
MAX_PHRASE_WORDS = 12  # a phrase is a few words, not a sentence (and must compile into the matcher)


def _str_list(value, where: str, what: str, *, required: bool, max_words: int = MAX_PHRASE_WORDS) -> tuple[str, ...]:
    """A list of phrases, each checked; ``max_words=0``: any length (a named ask's phrases are sentences)."""
    if value is None:
        if required:
            raise TaxonomyError(f"{where}: '{what}' is missing")
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where}: '{what}' must be a list of strings")
    out = []
    for v in value:
        norm = normalise_phrase(v)
        if not norm:
            raise TaxonomyError(f"{where}: {what} entry {v!r} has no letters or digits to match {_MATCHED}")
        if len(norm) == 1:
            raise TaxonomyError(f"{where}: {what} entry {v!r} matches just the letter or digit {norm!r} {_MATCHED}")
        if all(w in FUNCTION_WORDS for w in norm.split()):
            raise TaxonomyError(
                f"{where}: {what} entry {v!r} is made only of common words such as 'of' and 'the', "
                "which appear in nearly every passage; add a word that carries the meaning"
            )
        if max_words and len(norm.split()) > max_words:
            shown = v.strip() if len(v.strip()) <= 60 else v.strip()[:60] + "…"
            raise TaxonomyError(
                f"{where}: {what} entry {shown!r} has {len(norm.split())} words; a phrase has at "
                f"most {max_words} (split it into shorter phrases)"
            )
        out.append(v.strip())
    if required and not out:
        raise TaxonomyError(f"{where}: '{what}' is empty; give at least one phrase")
    return tuple(out)


def _theme(raw: dict, n: int) -> Theme:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"theme #{n}: must be a table")
    tid = raw.get("id")
    where = f"theme '{tid}'" if tid else f"theme #{n}"
    if not isinstance(tid, str) or not ID_RE.match(tid):
        raise TaxonomyError(f"{where}: {ID_RULE} (got {tid!r})")
    unknown = set(raw) - _THEME_KEYS
    if unknown:
        raise TaxonomyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise TaxonomyError(f"{where}: 'label' is missing")
    rules = []
    for k, rule in enumerate(raw.get("context", []) or []):
        rwhere = f"{where} context rule #{k + 1}"
        if not isinstance(rule, dict):
            raise TaxonomyError(f"{rwhere}: must be a table with phrases, near, window")
        bad = set(rule) - {"phrases", "near", "window"}
        if bad:
            raise TaxonomyError(f"{rwhere}: unknown key(s) {', '.join(sorted(bad))}")
        window = rule.get("window", 10)
        if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 200:
            raise TaxonomyError(f"{rwhere}: 'window' must be a whole number of words from 1 to 200 (got {window!r})")
        rules.append(
            ContextRule(
                _str_list(rule.get("phrases"), rwhere, "phrases", required=True),
                _str_list(rule.get("near"), rwhere, "near", required=True),
                window,
            )
        )
    return Theme(
        id=tid,
        label=label.strip(),
        description=str(raw.get("description", "")).strip(),
        phrases=_str_list(raw.get("phrases"), where, "phrases", required=True),
        exclusions=_str_list(raw.get("exclusions"), where, "exclusions", required=False),
        context=tuple(rules),
        cues=_str_list(raw.get("cues"), where, "cues", required=False),
    )


def _asks(raw_asks, seen: set[str]) -> list[NamedAsk]:
    out = []
    for n, raw in enumerate(raw_asks or [], start=1):
        aid = raw.get("id") if isinstance(raw, dict) else None
        where = f"ask '{aid}'" if aid else f"ask #{n}"
        if not isinstance(aid, str) or not ID_RE.match(aid):
            raise TaxonomyError(f"{where}: {ID_RULE} (got {aid!r})")
        if aid in seen:
            raise TaxonomyError(f"{where}: duplicate ask id")
        seen.add(aid)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            raise TaxonomyError(f"{where}: 'label' is missing")
        phrases = _str_list(raw.get("phrases"), where, "phrases", required=True, max_words=0)
        out.append(NamedAsk(aid, label.strip(), phrases))
    return out


def parse_taxonomy(text: str, source: str = "<string>", base: Taxonomy | None = None) -> Taxonomy:
    """Parse and validate taxonomy TOML text. With ``base`` and mode 'extend', merge into it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - {"mode", "section_share", "theme", "ask"})
    if unknown:  # "[[themes]]" for "[[theme]]" would otherwise leave the file silently unused
        raise TaxonomyError(
            f"{source}: unknown key(s) {', '.join(unknown)} (a taxonomy file has mode, "
            "section_share, [[theme]] and [[ask]])"
        )
    if not data:
        raise TaxonomyError(f"{source}: the file is empty (no themes or asks)")
    mode = data.get("mode", "extend")
    if mode not in ("extend", "replace"):
        raise TaxonomyError(f"{source}: 'mode' must be 'extend' or 'replace' (got {mode!r})")
    raw_themes = data.get("theme", [])
    if not isinstance(raw_themes, list):
        raise TaxonomyError(f"{source}: themes must be written as [[theme]] tables")
    themes: list[Theme] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_themes, start=1):
        t = _theme(raw, n)
        if t.id in seen:
            raise TaxonomyError(f"theme '{t.id}': duplicate id (defined twice in {source})")
        seen.add(t.id)
        themes.append(t)
    asks = _asks(data.get("ask"), set())
    share = data.get("section_share", base.section_share if base else 0.3)
    if not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise TaxonomyError(f"{source}: 'section_share' must be a number in (0, 1]")
    if base is not None and mode == "extend":
        new_ids = {t.id for t in themes}
        themes = [t for t in base.themes if t.id not in new_ids] + themes
        ask_ids = {a.id for a in asks}
        asks = [a for a in base.asks if a.id not in ask_ids] + asks
    if not themes:
        raise TaxonomyError(f"{source}: no themes defined")
    digest = hashlib.sha1(((base.digest if base and mode == "extend" else "") + text).encode()).hexdigest()[:12]
    return Taxonomy(themes=tuple(themes), asks=tuple(asks), section_share=float(share), source=source, digest=digest)


def default_taxonomy() -> Taxonomy:
    return parse_taxonomy(DEFAULT_PATH.read_text(encoding="utf-8"), source="default taxonomy")


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """The default taxonomy, or a user's file merged into / replacing it. Raises TaxonomyError."""
    base = default_taxonomy()
    if path is None:
        return base
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{p}: cannot read taxonomy file ({exc})") from exc
    return parse_taxonomy(text, source=p.name, base=base)
