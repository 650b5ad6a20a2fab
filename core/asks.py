"""Asks: sentences that call on someone to act; canonical asks across documents; the government's answers.

Detection is declarative: each cue in ``ASK_CUES`` is a named regex; the first that matches a sentence
makes it an ask and is recorded (``cue``), so the UI can say why. ``NOT_ASK`` cues veto (rhetoric,
reported asks, the speaker's own announcements). Government announcements are recorded separately as
commitments (``COMMITMENT_CUES``).

Grouping: an ask joins a *named* ask from the taxonomy when it contains one of its phrases (or is close
to one by rapidfuzz); the rest are clustered by rapidfuzz ``token_set_ratio`` over their normalised
actions that also share two content words (only pairs sharing a pair of content words are scored, found by an
inverted index: ``similar_clusters``), and shown as suggestions.

Responses: for each ask, later passages of the same debate, and government statements dated after it,
are searched for sentences on the same subject (sharing two content words, found by an inverted index; rapidfuzz
over content words). The best one is the evidence; its wording gives the status: committed, under consideration,
rejected. Nothing convincing: "no response found".
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .sentences import split_spans

try:  # hyperscan: one scan of many sentences for every cue at once (core/tagging uses it too)
    import hyperscan as _hs
except ImportError:  # pragma: no cover - platforms without a wheel: every cue is tried with re
    _hs = None
from .schema import NO_RESPONSE, STATUSES, names
from .summary import add_date_columns, theme_list
from .taxonomy import Taxonomy, normalise_phrase

_TARGETS = [
    ("Home Office", r"\bHome Office\b|\bHome Secretary\b"),
    ("Department for Education", r"\bDepartment for Education\b|\bDfE\b|\bEducation Secretary\b"),
    ("Minister", r"\b(?:the|my hon\. Friend the|my right hon\. Friend the) Minister\b|\bSecretary of State\b"),
    ("Government", r"\b(?:the )?Government\b|\bMinisters\b|\bWhitehall\b"),
    ("National Crime Agency", r"\bNational Crime Agency\b|\bNCA\b"),
    ("Crown Prosecution Service", r"\bCrown Prosecution Service\b|\bCPS\b"),
    ("Ofsted", r"\bOfsted\b"),
    ("police", r"\bpolice\b|\bthe Met\b|\bchief constables\b|\bforces\b"),
    ("councils", r"\bcouncils?\b|\blocal authorit(?:y|ies)\b"),
    ("Parliament", r"\bParliament\b|\bthis House\b"),
    ("schools", r"\bschools?\b"),
    ("health services", r"\bhealth\b|\bNHS\b"),
    ("agencies", r"\bagencies\b"),
]
_TARGET_RES = [(name, re.compile(rx)) for name, rx in _TARGETS]

_CUE_FILE = Path(__file__).with_name("ask_cues.toml")
_KINDS = {"ask", "veto", "commitment"}  # (and "prefilter": the file's [prefilter] pattern, if any)


class CueError(ValueError):
    """A cue file that cannot be used; the message names the cue."""


@dataclass(frozen=True)
class Cue:
    id: str
    kind: str
    description: str
    pattern: re.Pattern
    family: str = ""
    confidence: float = 1.0
    status: str = ""
    scan: re.Pattern | None = None  # a simpler pattern matching wherever ``pattern`` does (see _Scanner)


def load_cues(path: Path | str = _CUE_FILE) -> list[Cue]:
    """The cues of a cue file, validated: every cue has a unique ``id``, a known ``kind``, a ``description``
    and a ``pattern`` that compiles; an ask's ``family`` is listed under ``[families]``. Raises CueError
    naming the cue otherwise."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CueError(f"{path.name}: not valid TOML: {exc}") from None
    families = data.get("families", {})
    pre = data.get("prefilter", {}).get("pattern")
    if pre:
        try:
            prefilter = re.compile(pre, re.I)
        except re.error as exc:
            raise CueError(f"{path.name}: [prefilter] pattern does not compile: {exc}") from None
    else:
        prefilter = None
    cues: list[Cue] = []
    seen: set[str] = set()
    for n, c in enumerate(data.get("cue", []), 1):
        cid = c.get("id") or f"#{n}"
        for key in ("id", "kind", "description", "pattern"):
            if not isinstance(c.get(key), str) or not c[key]:
                raise CueError(f"{path.name}: cue {cid!r}: missing or empty {key!r}")
        if cid in seen:
            raise CueError(f"{path.name}: cue {cid!r}: duplicate id")
        seen.add(cid)
        if c["kind"] not in _KINDS:
            raise CueError(f"{path.name}: cue {cid!r}: kind must be one of {sorted(_KINDS)}, not {c['kind']!r}")
        case = 0 if c.get("case") == "sensitive" else re.I
        try:
            rx = re.compile(c["pattern"], case)
        except re.error as exc:
            raise CueError(f"{path.name}: cue {cid!r}: pattern does not compile: {exc}") from None
        if "scan" in c and (not isinstance(c["scan"], str) or not c["scan"]):
            raise CueError(f"{path.name}: cue {cid!r}: 'scan' must be a non-empty pattern")
        try:
            scan = re.compile(c["scan"], case) if "scan" in c else None
        except re.error as exc:
            raise CueError(f"{path.name}: cue {cid!r}: scan pattern does not compile: {exc}") from None
        family = c.get("family", "")
        if c["kind"] == "ask" and family not in families:
            raise CueError(f"{path.name}: cue {cid!r}: family {family!r} is not listed under [families]")
        cues.append(
            Cue(
                cid,
                c["kind"],
                c["description"],
                rx,
                family,
                float(families.get(family, 1.0)),
                c.get("status", ""),
                scan,
            )
        )
    if prefilter is not None:
        cues.append(Cue("_prefilter", "prefilter", "words every ask cue needs", prefilter))
    return cues


def _combined(cues: list[Cue]) -> re.Pattern:
    """One case-insensitive alternation of the cues: a sentence it does not match matches none of them."""
    return re.compile("|".join(f"(?:{c.pattern.pattern})" for c in cues) or r"(?!)", re.I)


CUES: list[Cue] = load_cues()
_ASK = [c for c in CUES if c.kind == "ask"]
_VETO = [c for c in CUES if c.kind == "veto"]
#: (cue id, explanation, regex). Order matters: the first match is recorded.
ASK_CUES: list[tuple[str, str, re.Pattern]] = [(c.id, c.description, c.pattern) for c in _ASK]
#: Vetoes: rhetoric, announcements, reports of what others asked.
NOT_ASK: list[re.Pattern] = [c.pattern for c in _VETO]
#: Commitments / responses: the government saying what it will do.
COMMITMENT_CUES: list[tuple[str, re.Pattern]] = [(c.status, c.pattern) for c in CUES if c.kind == "commitment"]
CONFIDENCE: dict[str, float] = {c.id: c.confidence for c in _ASK}
_ANY_ASK = next((c.pattern for c in CUES if c.kind == "prefilter"), None) or _combined(_ASK)
_KIND_AT = {i: c.kind for i, c in enumerate(CUES)}
_OF_KIND = {k: [c for c in CUES if c.kind == k] for k in _KINDS}

_STOP = set(
    """a an the and or of to in on for with by at from as is are be been being this that these those it its their
their there here we our us i my you your he she they them his her will would should must need needs have has had do does
did not no so such more most much many very also can could may might shall than then which who whom what when where why how
about into over under up down out off again further all any both each few other some own same too just only
minister government hon right friend member members lady gentleman house issue issues people ensure make made
say support approach like look us give get know think""".split()
)

ASK_COLUMNS = [
    "ask_id",
    "passage_id",
    "line",
    "sentence_index",
    "text",
    "start",
    "end",
    "cue",
    "cue_reason",
    "confidence",
    "target",
    "action",
    "themes",
    "ask_group",
    "ask_group_label",
    "group_source",
    "document",
    "date",
    "date_precision",
    "venue",
    "speaker",
    "duplicate_of",
]


#: a speaker in a government role: their calls are commitments or rhetoric, not asks
MINISTER_ROLE = re.compile(
    r"\b(?:Minister|Secretary of State|Under-Secretary|Solicitor General|Attorney General|"
    r"Advocate General|Lords? in Waiting|Baroness in Waiting|Chancellor of the|Home Secretary|"
    r"Foreign Secretary|Leader of the House|Government Whip|Whip)\b",
    re.I,
)


def is_government_role(role: str) -> bool:
    """True for a speaker_detail naming a government office ("The Minister for Schools", "Lord in Waiting")."""
    return bool(role) and bool(MINISTER_ROLE.search(role)) and not re.search(r"\b(?:Shadow|Opposition)\b", role, re.I)


#: a passage in which the speaker speaks for the Government (a Minister answering), when no role is given
GOVERNMENT_VOICE = re.compile(
    r"\b(?:my (?:Department|Ministry|officials)|I can (?:assure|confirm|tell) (?:the|my|noble|hon|him|her|you)|"
    r"we are (?:setting up|committed to|introducing|investing|consulting on)|are committed to doing|the Government have taken|we have no plans|"
    r"the Government's (?:view|position|policy) is|we will (?:accept|bring forward|consider|publish|introduce)|"
    r"I (?:will|shall) (?:write to|reflect on|consider)|and we will accept|I intend to (?:bring|table|introduce)|"
    r"as I said in Committee|we have been clear that|we will bring in)\b",
    re.I,
)


def government_speakers(keys, details) -> set:
    """The keys (e.g. (document, speaker id)) of speakers whose ``speaker_detail`` names a government office in any
    of their passages. ParlParse gives ``speakeroffice`` ("The Parliamentary Under-Secretary of State for Defence")
    only on a Minister's first speech in a debate; their later speeches in the same document are theirs too.

    >>> sorted(government_speakers([("d", "m1"), ("d", "m1"), ("d", "m2")], ["The Minister for Europe", "", ""]))
    [('d', 'm1')]
    """
    return {k for k, d in zip(keys, details) if k[-1] and isinstance(d, str) and is_government_role(d)}


#: the Lords' oral questions: "EU: Budget — Question" (not "… — Question for Short Debate", a backbench debate)
_ORAL_QUESTION = re.compile(r"[—–-]\s*Question$")
_TO_ASK_GOVERNMENT = re.compile(r"^(?:\d+\.\s*)?To ask (?:Her|His) Majesty's Government\b")


def question_answerers(rows: list) -> set:
    """The (document, speaker id) of each member who answers an oral question for the Government. In a section
    titled "… — Question" (the Lords' oral questions, which the source gives no office for), a member asks "To ask
    Her Majesty's Government …" and, by the House's procedure, the next member to speak answers for the
    Government: a Minister or whip, whose speeches in that document make no asks. ``rows``: in reading order, each
    with ``document``, ``section_index``, ``section_title``, ``speaker``, ``speaker_id`` and ``text``."""
    out = set()
    for i, r in enumerate(rows):
        title, speaker = getattr(r, "section_title", ""), getattr(r, "speaker", "")
        if not (isinstance(title, str) and title.endswith("Question") and _ORAL_QUESTION.search(title)):
            continue
        if not (isinstance(speaker, str) and speaker):
            continue
        if not _TO_ASK_GOVERNMENT.match(r.text):
            continue
        for q in rows[i + 1 : i + 6]:
            if q.document != r.document or getattr(q, "section_index", 0) != getattr(r, "section_index", 0):
                break
            other = getattr(q, "speaker", "")
            if isinstance(other, str) and other and other != speaker:
                sid = getattr(q, "speaker_id", "")
                if isinstance(sid, str) and sid:
                    out.add((q.document, sid))
                break
    return out


#: a Minister answering an amendment or motion: "I invite the noble Lord to withdraw his amendment"
_INVITES_WITHDRAWAL = re.compile(
    r"\b(?:invite|ask|urge|encourage|hope that|trust that)\s+"  # another member is asked: not "ask leave to"
    r"(?!(?:the|my|noble|right|hon\.|friend|Friend|,|\s)*(?:Minister|Government|Secretary|Leader)\b)"
    r"(?:the|my|him|her|he|she|they|them)\b(?:[^.;]|(?<=\bhon)\.|(?<=\bMr)\.|(?<=\bMrs)\.){0,80}?\bto withdraw "
    r"(?:his|her|their|the|this|that)(?: [a-z]+)? (?:amendments?|Motion)\b",
    re.I,
)


def withdrawal_inviters(rows: list) -> set:
    """The (document, speaker id) of each member who invites another to withdraw an amendment or motion: the
    Minister answering it for the Government (a mover withdraws their own: "I beg leave to withdraw"), who is
    treated as Government for the rest of that document. ``rows`` as for ``question_answerers``."""
    return _speakers_saying(rows, "ithdraw", _INVITES_WITHDRAWAL)


def _speakers_saying(rows: list, needle: str, pattern: re.Pattern) -> set:
    """The (document, speaker id) of the rows whose text ``pattern`` finds (``needle``, a substring every match
    holds, is looked for first: most passages are passed over at C speed)."""
    return {
        (r.document, r.speaker_id)
        for r in rows
        if isinstance(getattr(r, "speaker_id", None), str)
        and r.speaker_id
        and needle in r.text
        and pattern.search(r.text)
    }


#: a Minister moving the Government's own amendments: "I shall speak also to the other government amendments in the
#: group" (the House's formula for moving a group of amendments, said of the Government's)
_MOVES_GOVERNMENT_AMENDMENT = re.compile(
    r"\bI (?:will|shall) (?:also )?speak (?:also )?to (?:the )?(?:other )?government amendments?\b", re.I
)


def government_movers(rows: list) -> set:
    """The (document, speaker id) of each member who moves the Government's amendments, treated as Government for
    the rest of that document. ``rows`` as for ``question_answerers``."""
    return _speakers_saying(rows, "overnment amendment", _MOVES_GOVERNMENT_AMENDMENT)


def speaks_for_government(text: str) -> bool:
    """True when a passage's own words show the speaker answering for the Government ("my Department", "I can
    assure the House", "we have no plans to")."""
    return bool(GOVERNMENT_VOICE.search(text))


def _strip(sentence: str) -> str:
    return sentence.strip().strip("“”\"'‘’ ")


def _decide(s: str, may: set[int] | None = None) -> Cue | None:
    """The ask cue that makes the stripped sentence ``s`` an ask (the first in file order; a veto wins), else None.
    ``may``: the indexes (in ``CUES``) of the cues that may match, from a scan; None tries them all."""
    hit = next((c for c in _may(may, "ask") if c.pattern.search(s)), None)
    if hit is None or any(v.pattern.search(s) for v in _may(may, "veto")):
        return None
    return hit


def _may(may: set[int] | None, kind: str) -> list[Cue]:
    """The cues of ``kind`` among the indexes ``may`` (all of them for None), in file order."""
    if may is None:
        return _OF_KIND[kind]
    return [CUES[i] for i in sorted(may) if _KIND_AT.get(i) == kind]


def detect(sentence: str, role: str = "") -> tuple[str, str] | None:
    """(cue id, reason) when ``sentence`` is an ask, else None. ``role`` is the speaker's detail (e.g.
    "The Minister of State, Home Office"): a speaker in a government role makes no asks.

    >>> detect("I urge the Government to commission rigorous research.")[0]
    'urge'
    >>> detect("We will introduce a new offence.") is None
    True
    >>> detect("We need a national strategy.", role="Parliamentary Under-Secretary of State") is None
    True
    """
    if role and is_government_role(role):
        return None
    s = _strip(sentence)
    if not _ANY_ASK.search(s):  # one pass of one regex (the cue file's [prefilter], else all ask cues joined)
        return None
    hit = _decide(s)
    return (hit.id, hit.description) if hit else None


def commitment(sentence: str, may: set[int] | None = None) -> str | None:
    s = sentence.strip()
    return next((c.status for c in _may(may, "commitment") if c.pattern.search(s)), None)


_NO_HITS: frozenset[int] = frozenset()


class _Scanner:
    """Every cue (asks, vetoes, commitments) and the Government-voice pattern in one hyperscan database compiled in
    prefilter mode, which matches a superset of what each regex matches (and a bounded repeat such as
    ``[^.]{0,400}`` is loosened to ``[^.]{0,}`` first: still a superset, and far quicker to compile). One scan over
    many sentences, joined by newlines (multi-line mode, so ``^`` and ``$`` hold at each sentence), tells which
    cues may match which sentence, and only those are tried with Python's re: the answers are the same as trying
    every cue on every sentence (tests/test_ask_detection.py checks this). Compiling takes a second or two; the
    database is kept in the user's cache folder, keyed by the patterns (``core.hscache``), so later runs load it
    at once."""

    def __init__(self, patterns: list[re.Pattern], name: str = "ask-cues"):
        import threading

        from .hscache import load_or_compile

        base = _hs.HS_FLAG_UTF8 | _hs.HS_FLAG_UCP | _hs.HS_FLAG_MULTILINE | _hs.HS_FLAG_PREFILTER
        exprs = [
            re.sub(
                r"\{(\d+),(\d+)\}", lambda m: "{%s,}" % m.group(1) if int(m.group(2)) >= 8 else m.group(), p.pattern
            ).encode("utf-8")
            for p in patterns
        ]
        flags = [base | (_hs.HS_FLAG_CASELESS if p.flags & re.I else 0) for p in patterns]

        def compile_():
            db = _hs.Database()
            db.compile(expressions=exprs, ids=list(range(len(exprs))), flags=flags)
            return db

        self.db = load_or_compile(_hs, name, (exprs, flags), compile_)
        self._local = threading.local()

    def hits(self, sentences: list[str]) -> list[set[int]]:
        """For each sentence (already stripped), the indexes of the patterns that may match it."""
        parts = [t.replace("\n", " ").encode("utf-8") for t in sentences]
        starts, pos = [], 0
        for b in parts:
            starts.append(pos)
            pos += len(b) + 1
        ends: list[tuple[int, int]] = []
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:  # hyperscan's scratch space is per thread
            scratch = self._local.scratch = _hs.Scratch(self.db)
        self.db.scan(
            b"\n".join(parts), match_event_handler=lambda pid, _f, to, _fl, _c: ends.append((pid, to)), scratch=scratch
        )
        # a sentence with no hit shares one empty set (most have none: a set each, thousands of objects for the
        # garbage collector to count, took as long as the scan)
        out: list[frozenset[int] | set[int]] = [_NO_HITS] * len(parts)
        for pid, to in ends:
            i = bisect_right(starts, to - 1) - 1
            if out[i] is _NO_HITS:
                out[i] = set()
            out[i].add(pid)
        return out


#: below this many sentences every cue is simply tried with re (compiling or loading the scan costs more)
SCAN_MIN = 5_000


def _scanner() -> _Scanner | None:
    global _SCANNER
    if _SCANNER is None and _hs is not None:
        try:
            # the prefilter is left out (a never-matching stand-in keeps the indexes): every cue the scan finds is
            # confirmed, and the prefilter then tried, only where a cue matched
            # a cue's own ``scan`` pattern, where it has one, stands in for it (a superset that is quicker to scan)
            _SCANNER = _Scanner(
                [_NEVER if c.kind == "prefilter" else (c.scan or c.pattern) for c in CUES] + [GOVERNMENT_VOICE]
            )
        except _hs.error:  # a cue hyperscan cannot take even as a prefilter: every cue is tried with re
            _SCANNER = False
    return _SCANNER or None


_SCANNER: _Scanner | None | bool = None
_NEVER = re.compile(r"\x00\x00")  # matches nothing in read text (NUL bytes are removed on reading)
_GOV_VOICE_ID = len(CUES)


def target_of(sentence: str, may: set[int] | frozenset[int] | None = None) -> str:
    """Whom the ask is made of: the first of ``_TARGETS`` named in the sentence, else "unspecified". ``may``: the
    indexes of the targets that may be named, from a scan; None tries them all."""
    for i, (name, rx) in enumerate(_TARGET_RES):
        if (may is None or i in may) and rx.search(sentence):
            return name
    return "unspecified"


def targets_of(sentences: list[str]) -> list[str]:
    """``target_of`` of each sentence, the same answers: with ``SCAN_MIN`` / 10 sentences or more, one hyperscan
    scan (prefilter mode, as for the cues) says which targets may be named in each, and only those are tried."""
    global _TARGET_SCANNER
    if _TARGET_SCANNER is None and _hs is not None and len(sentences) >= SCAN_MIN // 10:
        try:
            _TARGET_SCANNER = _Scanner([rx for _name, rx in _TARGET_RES], "ask-targets")
        except _hs.error:
            _TARGET_SCANNER = False
    if not _TARGET_SCANNER or len(sentences) < SCAN_MIN // 10:
        return [target_of(s) for s in sentences]
    may = _TARGET_SCANNER.hits(sentences)
    return [target_of(s, m) for s, m in zip(sentences, may)]


_TARGET_SCANNER: _Scanner | None | bool = None


_ACTION_AFTER = re.compile(
    r"\b(?:calls? (?:on|upon) [^.]*? to|urge [^.]*? to|ask [^.]*? to|recommended that|recommends that|"
    r"must|should(?: be)?|needs? to(?: be)?|ought to|has to(?: be)?|have to|need|require|would help if [^.]*? |"
    r"there (?:needs? to be|should be|must be|has to be)|Will (?:the )?[A-Z][a-z]+ |important that|vital that)\s+(.*)",
    re.I,
)


def action_of(sentence: str) -> str:
    """A short normalised action: the words after the cue, lowercased, content words first 12.

    >>> action_of("I urge the Government to commission comprehensive and rigorous research.")
    'commission comprehensive rigorous research'
    """
    m = _ACTION_AFTER.search(sentence)
    tail = m.group(1) if m else sentence
    words = [w for w in normalise_phrase(tail).split() if w not in _STOP and not w.isdigit()]
    return " ".join(words[:12])


_LEAD = [  # the demanded action follows the cue: (?P<vp>) is the verb phrase, (?P<subj>) a clause to read again
    re.compile(r"^(?:\d+\.\s*)?To ask (?:the|Her|His) [^?]*?\b(?P<q>(?:what|whether|how|when|if|which)\b.+)", re.I),
    re.compile(
        r"\b(?:call(?:s|ing)?|urg(?:e|es|ing)|ask(?:s|ing)?|press(?:es|ing)?|encourag(?:e|es|ing)|invit(?:e|es|ing)|"
        r"implore|request(?:s|ing)?|beg)\s+(?:on\s+|upon\s+)?(?:the|my|her|him|his|them|all|our|this|local|councils|"
        r"police|Ministers)\b[^.?!;]{0,80}?\s(?:please\s+)?(?P<neg>not\s+)?to\s+(?:simply\s+)?(?P<vp>.+)",
        re.I,
    ),
    re.compile(r"\bcalls?\s+for\s+(?P<vp>.+)", re.I),
    re.compile(r"\b(?:recommend(?:ed|s)?|propose[sd]?|suggest(?:ed|s)?) that\s+(?P<subj>.+)", re.I),
    re.compile(
        r"\bthere\s+(?:\w+\s+)?(?:needs?\s+to\s+be|should\s+be|must\s+be|has\s+to\s+be|ought\s+to\s+be)\s+(?P<vp>.+)",
        re.I,
    ),
    re.compile(
        r"\b(?:it is|it's)\s+(?:\w+\s+)?(?:vital|essential|crucial|imperative|important|necessary|urgent)\s+that\s+"
        r"(?P<subj>.+)",
        re.I,
    ),
    re.compile(r"\bit would help if\s+(?P<subj>.+)", re.I),
    re.compile(r"\bI\s+(?:would|should)\s+(?:welcome|appreciate|like)\s+(?P<vp>.+)", re.I),
    re.compile(
        r"\bI\s+(?:\w+\s+)?hope\s+(?:that\s+)?(?:the|my|he|she)\b[^.?!]{0,40}?\b(?:will|would|can|could)\s+(?P<vp>.+)",
        re.I,
    ),
    re.compile(
        r"\bwhat\s+(?:recent\s+)?assessment\s+(?:has\s+)?(?:the\s+\w+|he|she|they)\s+(?:has\s+|have\s+)?made\s+of\s+"
        r"(?P<assess>.+)",
        re.I,
    ),
    re.compile(
        r"\b(?:Will|Would|Can|Could|Does|Did|Has|Is)\s+(?:the\s+|my\s+|her\s+|his\s+)?(?:right\s+hon\.\s+|hon\.\s+|noble\s+)?"
        r"(?:Minister|Government|Secretary of State|Department|Home Office|Treasury|Friend|Lord|Baroness|he|she|they)\b"
        r"(?:\s+(?:now|please|also|therefore))?\s+(?P<vp>.+)",
        re.I,
    ),
    re.compile(
        r"\b(?:What|How)\s+(?:is|are|will|has|have)\s+(?:the\s+)?(?:Government|Department|Minister|Home Office|he|she|they)\s+"
        r"(?:doing|going|taking)\s+to\s+(?P<vp>.+)",
        re.I,
    ),
    re.compile(r"\b(?:we|they)\s+(?:\w+\s+)?(?:need|require)\s+(?!to\b)(?P<vp>.+)", re.I),
    re.compile(
        r"^(?P<subj>.*?)\b(?:must|should|needs?\s+to|ought\s+to|has\s+to|have\s+to|had\s+better)\s+(?P<vp>.+)", re.I
    ),
]
_CUT = re.compile(
    r"\s*(?:[;:(—–]|,(?=\s+(?:and|but|so|which|who|as|because|while|given|if|when|where|there|it|we|they|he|"
    r"she|I|the|this|that|these|those|not|although|including|especially|particularly|rather|or|in|at|on|for|"
    r"to|with|by|from|without|such)\b)|\s-\s|\b(?:so that|because|which|who|whereas|while|as well as|in order to|"
    r"given that|rather than|since|but|if)\b)",
    re.I,
)
_PRONOUN_END = re.compile(
    r"\b(?:we|they|I|you|it|this|that|one|all|everyone|there|would|could|might)(?:\s+(?:all|also|now|really|"
    r"urgently|therefore|clearly|simply|surely|certainly|still|absolutely|just))*\s*$",
    re.I,
)
_LEAD_IN = re.compile(
    r"^(?:(?:and|but|so|however|therefore|then|first|secondly|finally|alongside that|that is why)\b[, ]*)+", re.I
)
_TAIL_STOP = {
    "the",
    "a",
    "an",
    "of",
    "and",
    "or",
    "to",
    "in",
    "on",
    "for",
    "by",
    "with",
    "at",
    "from",
    "that",
    "their",
    "its",
    "our",
    "is",
    "are",
    "be",
    "as",
    "into",
    "more",
    "most",
    "some",
    "this",
    "these",
    "those",
    "not",
    "how",
    "what",
}


def _trim(text: str, words: int = 9) -> str:
    """The phrase up to its first clause boundary (a comma before a clause, not one in a list of adjectives, and
    only after four words), at most ``words`` words."""
    end = len(text)
    for m in _CUT.finditer(text, 1):
        if m.group().strip() != "," or len(text[: m.start()].split()) >= 4:
            end = m.start() if len(text[: m.start()].split()) >= 2 else len(text)
            break
    ws = text[:end].strip().rstrip(".?!”\"'’").split()
    cut = len(ws) > words
    ws = ws[:words]
    while ws and ws[-1].lower().strip("“‘\"'") in _TAIL_STOP:
        ws.pop()
    return " ".join(ws) + ("…" if cut and ws else "")


def _with_actor(subj: str, vp: str) -> str:
    """ "Health" + "be part of …" -> "Health to be part of …"; a pronoun subject ("we", "they") is dropped."""
    subj = _LEAD_IN.sub("", re.sub(r"^.*\b(?:believe|think|agree|said|say|know) that\s+", "", subj.strip(), flags=re.I))
    if subj and not _PRONOUN_END.search(subj) and len(subj.split()) <= 5:
        return f"{subj} to {vp}"
    return vp


def action_label(sentence: str) -> str:
    """The action an ask demands, as a short phrase for its group's label (a verb phrase where the sentence has
    one), not the sentence cut off; "" when no cue's action can be read.

    >>> action_label("I therefore urge the Government to commission comprehensive and rigorous research to pull together data.")
    'Commission comprehensive and rigorous research to pull together data'
    >>> action_label("Health needs to be part of the safeguarding response to county lines at a national and local level.")
    'Health to be part of the safeguarding response…'
    >>> action_label("There also needs to be a much stronger focus on prevention.")
    'A much stronger focus on prevention'
    """
    s = " ".join(sentence.strip().strip("“”\"'‘’ ").split())
    for rx in _LEAD:
        m = rx.search(s)
        if not m:
            continue
        g = m.groupdict()
        if g.get("q"):
            inner = re.match(
                r"(?:what|which) (?:steps|action|measures|plans)\b[^?]*?\bto\s+(?P<vp>(?!take\b).+)", g["q"], re.I
            )
            label = _trim(inner.group("vp") if inner else g["q"])
        elif g.get("assess"):
            label = "Assess " + _trim(g["assess"], 8)
        elif g.get("vp") is None:
            inner = _LEAD[-1].search(g["subj"])
            label = _trim(_with_actor(inner.group("subj"), inner.group("vp")) if inner else g["subj"])
        else:
            label = _trim(_with_actor(g.get("subj") or "", ("not " if g.get("neg") else "") + g["vp"]))
        if len(label.split()) >= 2 and not re.match(r"be\b(?! \w+(?:ed|en)\b)", label, re.I):
            return label[0].upper() + label[1:]
    return ""


def content_words(text: str) -> set[str]:
    return {w for w in normalise_phrase(text).split() if w not in _STOP and len(w) > 2}


# ---- extraction ---------------------------------------------------------------------------------------
def _batches(spans_of: list[list], size: int):
    """Runs of whole passages holding about ``size`` sentences each."""
    lo, n = 0, 0
    for p, spans in enumerate(spans_of):
        n += len(spans)
        if n >= size:
            yield range(lo, p + 1)
            lo, n = p + 1, 0
    if lo < len(spans_of):
        yield range(lo, len(spans_of))


_ROW_FIELDS = [
    "passage_id",
    "text",
    "document",
    "date",
    "date_precision",
    "venue",
    "speaker",
    "speaker_id",
    "speaker_detail",
    "duplicate_of",
    "themes",
    "section_index",
    "section_title",
    "line",
]


def ask_themes(passage_themes: str, evidence: list[dict]) -> str:
    """An ask's themes, joined with ';': its passage's, then those its own sentence is tagged with (``evidence``:
    the tagger's rows for the sentence; section context, which a lone sentence lacks, is left out)."""
    own = [e["theme"] for e in evidence if e["method"] != "section"]
    return ";".join(dict.fromkeys(theme_list(passage_themes) + own))


def extract(
    passages: pd.DataFrame, tagger=None, batch: int = 20_000, scan_min: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(asks, commitments) from passages. Asks carry their passage's themes plus their own words' themes.

    With ``scan_min`` (default ``SCAN_MIN``) sentences or more, they are scanned about ``batch`` at a time for
    every cue at once (``_Scanner``), and a sentence is tried with a cue's regex only where the scan says that cue
    may match; fewer are simply tried with every cue."""
    asks, commits = [], []
    sent_texts: list[str] = []
    fields = [c for c in _ROW_FIELDS if c in passages.columns]  # columns read as lists: much quicker than itertuples
    row_type = namedtuple("Row", fields)
    rows = [row_type._make(t) for t in zip(*(passages[c].tolist() for c in fields))]
    spans_of = [split_spans(r.text) for r in rows]
    ids = [getattr(r, "speaker_id", "") or "" for r in rows]
    ministers = government_speakers([(r.document, i) for r, i in zip(rows, ids)], [r.speaker_detail for r in rows])
    ministers |= question_answerers(rows) | withdrawal_inviters(rows) | government_movers(rows)
    scanner = _scanner() if sum(map(len, spans_of)) >= (SCAN_MIN if scan_min is None else scan_min) else None
    for run in _batches(spans_of, batch):
        part = [(p, k) for p in run for k in range(len(spans_of[p]))]
        stripped = [_strip(rows[p].text[spans_of[p][k][0] : spans_of[p][k][1]]) for p, k in part]
        may = scanner.hits(stripped) if scanner else [None] * len(part)
        voice = {p for (p, _k), m in zip(part, may) if m is None or _GOV_VOICE_ID in m}  # may speak for the Government
        government: dict[int, bool] = {}
        for (p, k), s, m in zip(part, stripped, may):
            if m is not None and not m:  # the scan found no cue that may match: neither an ask nor a commitment
                continue
            row, spans = rows[p], spans_of[p]
            if p not in government:
                detail = row.speaker_detail if isinstance(row.speaker_detail, str) else ""
                government[p] = (
                    is_government_role(detail)
                    or (row.document, ids[p]) in ministers
                    or (not detail and p in voice and speaks_for_government(row.text))
                )
            hit = None if government[p] else _decide(s, m)
            if hit and not _ANY_ASK.search(s):  # the cue file's prefilter, as detect() applies it
                hit = None
            status = None if hit else commitment(row.text[spans[k][0] : spans[k][1]], m)
            if not hit and not status:
                continue
            a, b = spans[k]
            sent = row.text[a:b]
            base = {
                "passage_id": row.passage_id,
                "sentence_index": k,
                "text": sent,
                "start": a,
                "end": b,
                "document": row.document,
                "date": row.date,
                "date_precision": row.date_precision,
                "venue": row.venue,
                "speaker": row.speaker,
                "duplicate_of": row.duplicate_of,
                "passage_themes": row.themes,
                "section_index": row.section_index,
                "line": row.line,
                "speaker_detail": row.speaker_detail,
            }
            if hit:
                context = " ".join(row.text[x:y] for x, y in spans[max(0, k - 2) : k])
                asks.append(
                    {
                        **base,
                        "cue": hit.id,
                        "cue_reason": hit.description,
                        "confidence": CONFIDENCE[hit.id],
                        "action": action_of(sent),
                        "context": context,
                    }
                )
                sent_texts.append(sent)
            else:
                commits.append({**base, "status": status})
    own = tagger.tag_texts(sent_texts, fuzzy=False) if (tagger and sent_texts) else [[] for _ in sent_texts]
    for a, ev, target in zip(asks, own, targets_of(sent_texts)):
        a["target"] = target
        a["themes"] = ask_themes(a["passage_themes"], ev)
        a["ask_id"] = f"{a['passage_id']}/s{a['sentence_index']}"
    return pd.DataFrame(asks), pd.DataFrame(commits)


# ---- grouping -----------------------------------------------------------------------------------------
_ANAPHOR = re.compile(r"\b(?:that|this|such|these|those|it)\b", re.I)


def _named_match(asks: pd.DataFrame, taxonomy: Taxonomy, context: list[str] | None = None) -> list[str | None]:
    """Named ask for each ask sentence: the phrase that occurs earliest in it (the main demand comes
    first); else the closest phrase by rapidfuzz partial_ratio >= 90; else, for a sentence that refers
    back ("what that might look like"), the same search in the sentences before it."""
    named = [(a.id, normalise_phrase(p)) for a in taxonomy.asks for p in a.phrases]
    if not named or asks.empty:
        return [None] * len(asks)

    def search(texts: list[str]) -> list[str | None]:
        norm = [f" {normalise_phrase(t)} " for t in texts]
        scores = process.cdist(
            [n.strip() for n in norm],
            [p for _i, p in named],
            scorer=fuzz.partial_ratio,
            score_cutoff=90,
            workers=-1,
            dtype=np.uint8,
        )
        out: list[str | None] = []
        for i, t in enumerate(norm):
            hits = [(t.find(f" {phrase} "), -len(phrase), aid) for aid, phrase in named if f" {phrase} " in t]
            if hits:
                out.append(min(hits)[2])
            elif scores[i].max() > 0:
                out.append(named[int(scores[i].argmax())][0])
            else:
                out.append(None)
        return out

    texts = asks["text"].tolist()
    found = search(texts)
    if context is not None:
        back = [i for i, g in enumerate(found) if g is None and context[i] and _ANAPHOR.search(texts[i])]
        if back:
            for i, g in zip(back, search([context[i] for i in back])):
                found[i] = g
    return found


#: a pair of content words shared by more actions than this is boilerplate, not a shared demand ("secretary state"
#: of every tabled question): asks that have only such pairs in common are not compared (see ``similar_clusters``)
MAX_BLOCK = 2_000
#: candidate pairs scored by rapidfuzz at a time (about 40 bytes of memory a pair)
PAIR_BATCH = 1_000_000


def _distinct(x: np.ndarray) -> np.ndarray:
    """The distinct values of ``x``, ascending (by sorting: numpy's hashing ``unique`` is several times slower here)."""
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def _word_pairs(words: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(key, item) for every pair of distinct word ids in each item's sorted list (``key`` = u * V + v, u < v)."""
    vocab = 1 + max((w[-1] for w in words if w), default=0)
    keys, items = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    by_len: dict[int, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        if len(w) >= 2:
            by_len[len(w)].append(i)
    for n, idx in by_len.items():
        m = np.array([words[i] for i in idx], dtype=np.int64)
        u, v = np.triu_indices(n, 1)
        keys.append((m[:, u] * vocab + m[:, v]).ravel())
        items.append(np.repeat(np.array(idx, dtype=np.int64), len(u)))
    return np.concatenate(keys), np.concatenate(items)


def _block_pairs(keys: np.ndarray, items: np.ndarray, max_block: int, batch: int):
    """Runs of (a, b) item pairs, a < b, of items that share a key, from blocks of 2 to ``max_block`` items; each
    run holds about ``batch`` pairs (a pair sharing several keys may come more than once)."""
    order = np.lexsort((items, keys))
    keys, items = keys[order], items[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    for k in np.unique(sizes[(sizes >= 2) & (sizes <= max_block)]):
        first = starts[sizes == k]
        u, v = np.triu_indices(k, 1)
        per = max(1, batch // len(u))
        for lo in range(0, len(first), per):
            members = items[first[lo : lo + per, None] + np.arange(k)]
            yield members[:, u].ravel(), members[:, v].ravel()


def similar_clusters(
    actions: list[str], threshold: int = 70, max_block: int = MAX_BLOCK, known: list | None = None
) -> np.ndarray:
    """For each action, the index of the first action of its cluster. Two actions are linked when rapidfuzz's
    ``token_set_ratio`` of the two is at least ``threshold`` and they share two content words or more; clusters
    are the connected components. Only pairs that share a pair of content words are scored (an inverted index of
    word pairs, scored ``PAIR_BATCH`` pairs at a time), so time and memory grow with the pairs that could link,
    not with the square of the number of actions; a word pair shared by more than ``max_block`` distinct actions
    is left out as a key. ``known``: for each action, a label of a cluster found before ("" or None for a new
    one): actions with the same label are one cluster already and pairs of known actions are not scored again.

    >>> similar_clusters(["national strategy county lines", "county lines national strategy now", "fund youth clubs"]).tolist()
    [0, 0, 2]
    """
    n = len(actions)
    first: dict[str, int] = {}
    node_of = np.array([first.setdefault(a, i) for i, a in enumerate(actions)], dtype=np.int64)
    nodes = sorted(first.values())
    vocab: dict[str, int] = {}
    words = [sorted({vocab.setdefault(w, len(vocab)) for w in content_words(actions[i])}) for i in nodes]
    parent = list(range(n))  # over action indexes; a node is the first action with its text

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    is_known = np.zeros(n, dtype=bool)
    if known is not None:
        seen: dict = {}
        for i, g in enumerate(known):
            if g:
                is_known[i] = True
                union(seen.setdefault(g, i), i)
    node_idx = np.array(nodes, dtype=np.int64)
    keys, items = _word_pairs(words)
    fresh = ~is_known[node_idx] if known is not None else None
    for a, b in _block_pairs(keys, items, max_block, PAIR_BATCH):
        if fresh is not None:
            keep = fresh[a] | fresh[b]
            a, b = a[keep], b[keep]
        if not len(a):
            continue
        code = _distinct(a * len(nodes) + b)
        a, b = node_idx[code // len(nodes)], node_idx[code % len(nodes)]
        root = np.array(parent)  # pairs already in one cluster are not scored
        while True:
            nxt = root[root]
            if np.array_equal(nxt, root):
                break
            root = nxt
        keep = root[a] != root[b]
        a, b = a[keep], b[keep]
        if not len(a):
            continue
        scores = process.cpdist(
            [actions[i] for i in a],
            [actions[i] for i in b],
            scorer=fuzz.token_set_ratio,
            score_cutoff=threshold,
            workers=-1,
            dtype=np.uint8,
        )
        for x, y in zip(a[scores > 0].tolist(), b[scores > 0].tolist()):
            union(x, y)
    pos = {a: k for k, a in enumerate(nodes)}
    for i in range(n):  # an action's copies join its first occurrence (when it has two content words to share)
        if node_of[i] != i and len(words[pos[node_of[i]]]) >= 2:
            union(node_of[i], i)
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def similar_clusters_quadratic(actions: list[str], threshold: int = 70) -> np.ndarray:
    """``similar_clusters`` the N×N way (every pair scored by one ``process.cdist``): time and memory grow with the
    square of the number of actions. Kept as the reference the tests and benchmarks/bench_ledger.py compare with."""
    parent = list(range(len(actions)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    sim = process.cdist(
        actions, actions, scorer=fuzz.token_set_ratio, score_cutoff=threshold, workers=-1, dtype=np.uint8
    )
    words = [content_words(a) for a in actions]
    for a, b in zip(*np.nonzero(np.triu(sim, k=1))):
        if len(words[a] & words[b]) >= 2:
            ra, rb = find(a), find(b)
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(len(actions))], dtype=np.int64)


def group(asks: pd.DataFrame, taxonomy: Taxonomy, threshold: int = 70, known: list | None = None) -> pd.DataFrame:
    """Assign ``ask_group``, ``ask_group_label`` and ``group_source`` (named / suggested / follow-up).

    ``known`` (to add asks to a ledger without comparing the old asks again): for each ask, the ``ask_group`` an
    earlier call gave it, "" for a new ask. The earlier call must have grouped no ask that is not in ``asks`` now
    (an ask taken out may have been what linked its group): give "" for every member of such a group."""
    asks = asks.copy()
    if asks.empty:
        for c in ("ask_group", "ask_group_label", "group_source"):
            asks[c] = []
        return asks
    labels = {a.id: a.label for a in taxonomy.asks}
    named = _named_match(asks, taxonomy, asks["context"].tolist() if "context" in asks else None)
    group_of: list[str | None] = list(named)
    source = ["named" if g else "" for g in named]
    # a question with no content of its own ("Will the Minister support such an approach?") follows the
    # ask before it in the same passage
    action, passage, text, ask_id = (asks[c].tolist() for c in ("action", "passage_id", "text", "ask_id"))
    for i in range(1, len(asks)):
        if group_of[i] is None and len(action[i].split()) <= 1 and passage[i] == passage[i - 1]:
            group_of[i] = group_of[i - 1] or f"@{i - 1}"
            source[i] = "follow-up"
    # the rest: clusters of similar actions (similar_clusters), each named after its first ask
    rest = [i for i, g in enumerate(group_of) if g is None]
    if rest:
        before = None
        if known is not None:
            # a group one of whose asks is now named or a follow-up may have been linked through it: afresh
            in_rest = set(rest)
            lost = {g for i, g in enumerate(known) if i not in in_rest and isinstance(g, str) and g.startswith("auto_")}
            before = [
                g if isinstance(g, str) and g.startswith("auto_") and g not in lost else ""
                for g in (known[i] for i in rest)
            ]
        roots = similar_clusters([action[i] for i in rest], threshold, known=before)
        for i, r in zip(rest, roots.tolist()):
            group_of[i] = f"auto_{ask_id[rest[r]]}"
            source[i] = "suggested"
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(group_of):  # resolve follow-ups that pointed at a then-ungrouped ask
        while g and g.startswith("@"):
            g = group_of[int(g[1:])]
        group_of[i] = g
        members[g].append(i)
    asks["ask_group"] = group_of
    asks["group_source"] = source
    auto_label = {}
    for g, idx in members.items():
        if g in labels:
            continue
        phrases = [p for p in (action_label(text[i]) for i in idx) if p]
        own = [p for p in phrases if not _ANAPHOR.search(p)] or phrases  # "Support such an approach" names nothing
        phrase = min(own, key=len) if own else " ".join(action[idx[0]].split()[:8]).capitalize()
        auto_label[g] = "Suggested: " + (phrase or "(no action found)")
    asks["ask_group_label"] = [labels.get(g) or auto_label.get(g, g) for g in group_of]
    return asks


def named_ask_toml(label: str, sentences: list[str], ask_id: str | None = None) -> str:
    """A taxonomy ``[[ask]]`` block that names (and so merges) the asks made by ``sentences``.

    >>> print(named_ask_toml("Fund youth clubs", ["We need more funding for youth clubs."]))
    [[ask]]
    id = "fund_youth_clubs"
    label = "Fund youth clubs"
    phrases = ["we need more funding for youth clubs"]
    <BLANKLINE>
    """
    import json

    aid = ask_id or re.sub(r"[^a-z0-9]+", "_", normalise_phrase(label)).strip("_")[:60] or "named_ask"
    if not aid[0].isalpha():
        aid = "ask_" + aid
    phrases = sorted({normalise_phrase(s) for s in sentences if normalise_phrase(s)})
    return (
        f"[[ask]]\nid = {json.dumps(aid)}\nlabel = {json.dumps(label.strip())}\n"
        f"phrases = [{', '.join(json.dumps(p) for p in phrases)}]\n"
    )


# ---- responses ----------------------------------------------------------------------------------------
GOVERNMENT_ROLE = re.compile(
    r"\b(?:Minister|Secretary of State|Home Secretary|Chancellor|Solicitor General|Attorney General|"
    r"Parliamentary Under-Secretary)\b"
)


def _content(text: str) -> str:
    return " ".join(w for w in normalise_phrase(text).split() if w not in _STOP)


def _postings(sets: list[set[str]]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """An inverted index of word sets: (word id, start of each word's run in ``items`` (one more than the words),
    ``items``: the indexes of the sets holding each word, ascending)."""
    vocab: dict[str, int] = {}
    pairs = [(vocab.setdefault(w, len(vocab)), k) for k, s in enumerate(sets) for w in s]
    if not pairs:
        return vocab, np.zeros(1, np.int64), np.zeros(0, np.int64)
    arr = np.array(sorted(pairs), dtype=np.int64)
    ptr = np.searchsorted(arr[:, 0], np.arange(len(vocab) + 1))
    return vocab, ptr, arr[:, 1]


def _sharing(queries: list[set[str]], index, least: int = 2, batch: int = PAIR_BATCH):
    """Runs of (query, item) pairs that have ``least`` words or more in common, by the inverted index ``index``
    (``_postings``), a run holding about ``batch`` postings."""
    vocab, ptr, items = index
    rows: list[int] = []
    ids: list[int] = []
    size = 0

    def flush():
        r, w = np.array(rows, dtype=np.int64), np.array(ids, dtype=np.int64)
        n = ptr[w + 1] - ptr[w]
        r = np.repeat(r, n)
        off = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        code = np.sort(r * len(items) + items[np.repeat(ptr[w], n) + off])
        if least > 1:  # kept where the code recurs least - 1 places on
            code = code[: len(code) - least + 1][code[least - 1 :] == code[: len(code) - least + 1]]
        code = _distinct(code)
        return code // len(items), code % len(items)

    for q, words in enumerate(queries):
        for w in words:
            k = vocab.get(w)
            if k is not None:
                rows.append(q)
                ids.append(k)
                size += int(ptr[k + 1] - ptr[k])
        if size >= batch:
            yield flush()
            rows, ids, size = [], [], 0
    if rows:
        yield flush()


def link_responses(
    asks: pd.DataFrame, commitments: pd.DataFrame, passages: pd.DataFrame, min_score: int = 60
) -> pd.DataFrame:
    """For each ask: ``response_passage``, ``response_text``, ``response_status``, ``response_score``.

    Candidates are commitments in the same debate (document and section) after the ask by someone other
    than the asker, and commitments of speakers in government roles dated after the ask elsewhere; a candidate
    shares two content words or more with the ask (the Government's are found through an inverted index of
    their words, not by trying each), and the one with the best rapidfuzz ``token_set_ratio`` (at least
    ``min_score``; the first of equals) answers it."""
    out = asks.copy()
    for c, default in (
        ("response_passage", ""),
        ("response_text", ""),
        ("response_status", NO_RESPONSE),
        ("response_score", 0.0),
    ):
        out[c] = default
    if asks.empty or commitments.empty:
        return out
    com = commitments.reset_index(drop=True)
    ca = {
        c: com[c].tolist() for c in ("text", "document", "section_index", "speaker_detail", "line", "speaker", "date")
    }
    aa = {c: asks[c].tolist() for c in ("action", "text", "document", "section_index", "line", "speaker", "date")}
    com_words = [content_words(t) for t in ca["text"]]
    com_content = [_content(t) for t in ca["text"]]  # normalised once, not once per ask
    by_debate: dict[tuple, list[int]] = defaultdict(list)
    for j, key in enumerate(zip(ca["document"], ca["section_index"])):
        by_debate[key].append(j)
    gov = np.array(
        [j for j, d in enumerate(ca["speaker_detail"]) if isinstance(d, str) and GOVERNMENT_ROLE.search(d)],
        dtype=np.int64,
    )
    c_line, c_speaker = ca["line"], ca["speaker"]
    c_date, c_doc = (np.array([x or "" for x in ca[c]], dtype=str) for c in ("date", "document"))
    a_date, a_doc = (np.array([x or "" for x in aa[c]], dtype=str) for c in ("date", "document"))
    aw = [content_words(a + " " + t) for a, t in zip(aa["action"], aa["text"])]
    # candidate (ask, commitment, rank): the same debate's first, each in the commitments' order
    ra: list[np.ndarray] = []
    rj: list[np.ndarray] = []
    rows = zip(aa["document"], aa["section_index"], aa["line"], aa["speaker"])
    near = [
        (i, j)
        for i, (doc, sec, line, speaker) in enumerate(rows)
        for j in by_debate.get((doc, sec), ())
        if c_line[j] > line and (c_speaker[j] == "" or c_speaker[j] != speaker) and len(aw[i] & com_words[j]) >= 2
    ]
    if near:
        ra.append(np.array([i for i, _ in near], dtype=np.int64))
        rj.append(np.array([j for _, j in near], dtype=np.int64))
    if len(gov):
        index = _postings([com_words[j] for j in gov])
        for a, g in _sharing(aw, index):
            j = gov[g]
            keep = (a_date[a] != "") & (c_date[j] > a_date[a]) & (c_doc[j] != a_doc[a])
            ra.append(a[keep])
            rj.append(j[keep] + len(com))  # after the debate's own
    if not ra:
        return out
    a, rank = np.concatenate(ra), np.concatenate(rj)
    j = rank % len(com)
    query = [_content(x) for x in aa["action"]]
    scores = (
        np.concatenate(
            [
                process.cpdist(
                    [query[x] for x in a[lo : lo + PAIR_BATCH]],
                    [com_content[y] for y in j[lo : lo + PAIR_BATCH]],
                    scorer=fuzz.token_set_ratio,
                    score_cutoff=min_score,
                    workers=-1,
                )
                for lo in range(0, len(a), PAIR_BATCH)
            ]
        )
        if len(a)
        else np.zeros(0)
    )
    ok = scores >= min_score
    a, j, rank, scores = a[ok], j[ok], rank[ok], scores[ok]
    order = np.lexsort((rank, -scores, a))  # per ask: the best score, the first candidate of equals
    first = order[np.r_[True, a[order][1:] != a[order][:-1]]] if len(order) else order
    best = j[first]
    found = zip(
        *(com[c].to_numpy()[best] for c in ("passage_id", "text", "status")),
        (round(float(x), 1) for x in scores[first]),
    )
    return _set_rows(out, a[first].tolist(), RESPONSE_COLUMNS[:4], list(found))


def _share_responses(asks: pd.DataFrame) -> pd.DataFrame:
    """The same speech in two sources is one ask: a reply found next to either copy answers both."""
    cols = RESPONSE_COLUMNS[:4]
    key = (
        asks["duplicate_of"].where(asks["duplicate_of"] != "", asks["passage_id"])
        + "/"
        + asks["sentence_index"].astype(str)
    )
    key, status, score = key.tolist(), asks["response_status"].tolist(), asks["response_score"].tolist()
    best: dict[str, int] = {}
    for i, (k, st, sc) in enumerate(zip(key, status, score)):
        if st != NO_RESPONSE and (k not in best or sc > score[best[k]]):
            best[k] = i
    rows = [i for i, k in enumerate(key) if k in best and status[i] == NO_RESPONSE]
    values = {c: asks[c].tolist() for c in cols}
    return _set_rows(asks, rows, cols, [tuple(values[c][best[key[i]]] for c in cols) for i in rows])


# ---- the pipeline stage and the ledger ----------------------------------------------------------------
RESPONSE_COLUMNS = ["response_passage", "response_text", "response_status", "response_score", "response_basis"]


def _tabled_questions(passages: pd.DataFrame, asks: pd.DataFrame) -> pd.DataFrame:
    """Questions the source marks as such (a written question's ``ques``): each is an ask, whatever its wording."""
    if "kind" not in passages.columns:
        return asks
    q = passages[(passages["kind"] == "question")]
    have = set(asks["passage_id"]) if len(asks) else set()
    rows = []
    for r in q.itertuples(index=False):
        if r.passage_id in have or not r.text.strip():
            continue
        rows.append(
            {
                "ask_id": f"{r.passage_id}/s0",
                "passage_id": r.passage_id,
                "line": r.line,
                "sentence_index": 0,
                "text": r.text,
                "start": 0,
                "end": len(r.text),
                "cue": "tabled_question",
                "cue_reason": "a question tabled to a minister (marked as a question by the source)",
                "confidence": 1.0,
                "target": target_of(r.text) or "Government",
                "action": action_of(r.text),
                "themes": r.themes,
                "document": r.document,
                "date": r.date,
                "date_precision": r.date_precision,
                "venue": r.venue,
                "speaker": r.speaker,
                "duplicate_of": r.duplicate_of,
                "section_index": r.section_index,
                "speaker_detail": r.speaker_detail,
                "context": "",
            }
        )
    return pd.concat([asks, pd.DataFrame(rows)], ignore_index=True) if rows else asks


def _structural_responses(asks: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """A tabled question's answer, linked by the source's structure (the reply's ``responds_to``), not by text."""
    if "responds_to" not in passages.columns or asks.empty:
        return asks
    replies: dict[str, list] = defaultdict(list)
    for r in passages[passages["responds_to"] != ""].itertuples(index=False):
        for sid in r.responds_to.split(";"):
            replies[sid].append(r)
    if not replies:
        return asks
    source_of = dict(zip(passages["passage_id"], passages["source_id"]))
    rows, found = [], []
    for i, pid in enumerate(asks["passage_id"].tolist()):
        answer = replies.get(source_of.get(pid, ""))
        if not answer:
            continue
        first = answer[0]
        sentences = [first.text[a:b] for a, b in split_spans(first.text)] or [first.text]
        status = next(
            (
                st
                for st in map(commitment, (t for a in answer for t in (a.text[x:y] for x, y in split_spans(a.text))))
                if st
            ),
            None,
        )
        if re.search(
            r"\b(?:I will write to|will write to the hon|reply (?:shortly|as soon as possible)|"
            r"not (?:yet )?(?:possible|available) to (?:answer|reply))",
            first.text,
            re.I,
        ):
            status = "holding answer"
        rows.append(i)
        found.append((first.passage_id, sentences[0], status or "answered", 100.0, "structure"))
    return _set_rows(asks, rows, RESPONSE_COLUMNS, found)


def _set_rows(frame: pd.DataFrame, rows: list[int], columns: list[str], values: list[tuple]) -> pd.DataFrame:
    """``frame`` with ``columns`` at positions ``rows`` set to ``values`` (a tuple a row), one write a column (a
    write a cell copies the whole column each time when strings are stored as Arrow arrays)."""
    out = frame.copy()
    for c, col in zip(columns, zip(*values)):
        out.iloc[rows, out.columns.get_loc(c)] = list(col)
    return out


def build_asks(
    passages: pd.DataFrame, taxonomy: Taxonomy, tagger=None, known: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(asks with their groups and responses, commitments) of ``passages``. ``known``: ask id -> the suggested
    group an earlier ledger gave it, for asks whose passages have not changed since (``group`` then compares no two
    of them again); a group any of whose asks is gone is worked out afresh."""
    asks, commitments = extract(passages, tagger)
    if "kind" in passages.columns and len(asks):  # a minister's written answer or statement makes no asks
        gov = set(passages.loc[passages["kind"].isin(["answer", "statement"]), "passage_id"])
        asks = asks[~asks["passage_id"].isin(gov)].reset_index(drop=True)
    asks = _tabled_questions(passages, asks)
    if asks.empty:
        return pd.DataFrame(columns=ASK_COLUMNS + RESPONSE_COLUMNS), commitments
    prior = None
    if known:
        present = set(asks["ask_id"])
        lost = {g for a, g in known.items() if a not in present}
        prior = [g if g not in lost else "" for g in (known.get(a, "") for a in asks["ask_id"])]
    asks = group(asks, taxonomy, known=prior)
    asks = link_responses(asks, commitments, passages)
    asks["response_basis"] = np.where(asks["response_status"] != NO_RESPONSE, "text", "")
    asks = _structural_responses(asks, passages)
    asks = _share_responses(asks)
    return asks[ASK_COLUMNS + RESPONSE_COLUMNS].reset_index(drop=True), commitments


STATUS_ORDER = list(STATUSES)  # the order a ledger row takes its status in: the firmest first


def ask_summary(
    corpus, as_of: date | None = None, quiet_days: int = 365, asks: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per canonical ask: the ledger. Counts use canonical passages only."""
    a = corpus.asks if asks is None else asks
    cols = names("ledger")
    if a is None or a.empty:
        return pd.DataFrame(columns=cols)
    a = add_date_columns(a[a["duplicate_of"] == ""])
    as_of = pd.Timestamp(as_of or date.today())
    # one sort of every ask (the groups in the order they first appear, each group's asks by date, document, line,
    # sentence; undated last), then each group is a run of rows read from plain lists: no pandas call per group
    a = a.assign(_g=pd.factorize(a["ask_group"], sort=False)[0])
    a = a.sort_values(["_g", "date_start", "document", "line", "sentence_index"], na_position="last")
    col = {
        c: a[c].tolist()
        for c in (
            "ask_group",
            "ask_group_label",
            "group_source",
            "date",
            "venue",
            "speaker",
            "themes",
            "response_status",
            "response_passage",
            "response_text",
            "ask_id",
        )
    }
    ends = a["date_end"].tolist()
    g = a["_g"].to_numpy()
    bounds = np.flatnonzero(np.diff(g)) + 1
    rows = []
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(g)]):
        dated = [i for i in range(lo, hi) if col["date"][i]]
        last_end = max((ends[i] for i in dated), default=None)
        # the last, in the group's order, of the dated asks that end latest (a stable sort's last)
        last = max((i for i in dated if ends[i] == last_end), default=None)
        days = (as_of - last_end).days if last_end is not None else None
        statuses = [x for x in col["response_status"][lo:hi] if x != NO_RESPONSE]
        status = min(statuses, key=STATUS_ORDER.index) if statuses else NO_RESPONSE
        # the response: that of the first ask (in the group's order) with the chosen status
        at = next((i for i in range(lo, hi) if col["response_status"][i] == status), None)
        themes = Counter(t for ts in col["themes"][lo:hi] for t in theme_list(ts))
        rows.append(
            {
                "ask_group": col["ask_group"][lo],
                "label": col["ask_group_label"][lo],
                "source": col["group_source"][lo],
                "first_raised": col["date"][dated[0]] if dated else "",
                "last_raised": col["date"][last] if last is not None else "",
                "times_raised": hi - lo,
                "undated": (hi - lo) - len(dated),
                "venues": _counted(col["venue"][lo:hi]),
                "speakers": _counted(col["speaker"][lo:hi]),
                "themes": ";".join(t for t, _ in themes.most_common()),
                "days_since_last": days if days is not None else pd.NA,
                "gone_quiet": bool(days is not None and days > quiet_days),
                "status": status,
                "response_passage": col["response_passage"][at] if status != NO_RESPONSE else "",
                "response_text": col["response_text"][at] if status != NO_RESPONSE else "",
                "occurrences": ";".join(col["ask_id"][lo:hi]),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out["_named"] = out["source"] == "named"
    out = out.sort_values(["_named", "times_raised"], ascending=[False, False]).drop(columns="_named")
    return out.reset_index(drop=True)


def _counted(values: list[str]) -> str:
    """'Westminster Hall: 3; (unknown): 1': each value with its count, most first (ties in order of first
    appearance), an empty value as '(unknown)'."""
    return "; ".join(f"{k or '(unknown)'}: {v}" for k, v in Counter(values).most_common())


# ---- evaluation ---------------------------------------------------------------------------------------
def _clean(s: str) -> str:
    return " ".join(s.strip().strip("“”\"'‘’ ").split())


def ask_scores(corpus, rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detection P/R/F1 against the dev set's certain asks (optional asks ignored) and pairwise grouping
    P/R/F1 over pairs of certain asks that were detected."""
    from .metrics import prf

    asks = corpus.asks
    by_loc = {
        (d, int(l)): pid
        for d, l, pid in zip(corpus.passages["document"], corpus.passages["line"], corpus.passages["passage_id"])
    }
    pred_by_pid: dict[str, dict[str, str]] = defaultdict(dict)
    for pid, text, g in zip(asks["passage_id"], asks["text"], asks["ask_group"]):
        pred_by_pid[pid][_clean(text)] = g
    tp = fp = fn = 0
    matched: list[tuple[str, str]] = []  # (gold group, predicted group)
    for r in rows:
        pid = by_loc.get((r["source"].rsplit(".", 1)[0], int(r["line"])))
        pred = dict(pred_by_pid.get(pid, {})) if pid else {}
        gold = {_clean(a["sentence"]): a["groups"][0] for a in r.get("asks") or []}
        optional = {_clean(a["sentence"]) for a in r.get("optional_asks") or []}
        for s, g in gold.items():
            if s in pred:
                tp += 1
                matched.append((g, pred.pop(s)))
            else:
                fn += 1
        fp += sum(1 for s in pred if s not in optional)
    p, r_, f = prf(tp, fp, fn)
    det = pd.DataFrame([{"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r_, "f1": f}])
    ptp = pfp = pfn = 0
    for i in range(len(matched)):
        for j in range(i + 1, len(matched)):
            gs = matched[i][0] == matched[j][0] and matched[i][0] != "other"
            ps = matched[i][1] == matched[j][1]
            ptp += gs and ps
            pfp += ps and not gs
            pfn += gs and not ps
    p, r_, f = prf(ptp, pfp, pfn)
    grp = pd.DataFrame(
        [
            {
                "pairs": len(matched) * (len(matched) - 1) // 2,
                "tp": ptp,
                "fp": pfp,
                "fn": pfn,
                "precision": p,
                "recall": r_,
                "f1": f,
            }
        ]
    )
    return det, grp
