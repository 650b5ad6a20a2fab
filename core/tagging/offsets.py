"""Byte offsets of evidence -> character offsets within each passage, and the matched text, computed only for the
rows of evidence (vectorised over valid UTF-8; passage by passage otherwise)."""

from __future__ import annotations

import numpy as np

from .normalise import cut, join_lines


def char_spans(
    raw: bytes, starts, ends, text: np.ndarray, s_abs: np.ndarray, e_abs: np.ndarray, with_text: bool = True
):
    """Byte offsets -> character offsets within each passage, and the matched text. Characters before an
    offset = bytes before it minus the UTF-8 continuation bytes before it (found in just the passages
    with evidence). Spans begin and end at ASCII letters or digits, so they fall on character boundaries.
    ``text`` (each row's passage) is sorted."""
    if not len(text):
        return [], [], []
    if isinstance(raw, bytes) and raw.isascii():
        base = starts[text]
        return (
            (s_abs - base).tolist(),
            (e_abs - base).tolist(),
            [raw[x:y].decode("ascii") for x, y in zip(s_abs.tolist(), e_abs.tolist())] if with_text else [],
        )
    new_passage = np.r_[True, text[1:] != text[:-1]]
    passages, row_passage = text[new_passage], np.cumsum(new_passage) - 1
    lo, hi = starts[passages], ends[passages]
    if 2 * int((hi - lo).sum()) >= len(raw):  # evidence in most of the text: read it in place, no copy
        sub, sub_starts = raw, lo
    else:  # just the passages with evidence, joined
        sub, sub_starts = join_lines(memoryview(raw), lo, hi)
    high = np.flatnonzero(np.frombuffer(sub, dtype=np.int8) < 0)  # the non-ASCII bytes
    values = np.frombuffer(sub, dtype=np.uint8)[high]
    continuation = high[values < 0xC0]  # 10xxxxxx

    def passage_by_passage():  # offsets counting characters as decoded, invalid bytes replaced
        return char_spans_slow(
            raw, starts, ends, text.tolist(), (s_abs - starts[text]).tolist(), (e_abs - starts[text]).tolist()
        )

    if not valid_utf8(high, values, strict=with_text):
        return passage_by_passage()
    shift = sub_starts[row_passage] - starts[text]  # raw offset -> offset in `sub`

    def chars(x):  # character offset of `sub` offset x
        return x - np.searchsorted(continuation, x)

    base = chars(sub_starts[row_passage])
    matched = []
    if with_text:  # the matched spans (valid UTF-8, checked above) gathered with line breaks between, decoded at once
        matched = gather(sub, s_abs + shift, e_abs + shift).decode("utf-8").split("\n")
        if len(matched) != len(text):  # a span with a line break inside (a passage whose end was given)
            return passage_by_passage()
    return (chars(s_abs + shift) - base).tolist(), (chars(e_abs + shift) - base).tolist(), matched


def valid_utf8(pos: np.ndarray, values: np.ndarray, strict: bool = True) -> bool:
    """Whether the non-ASCII bytes (at offsets ``pos``, with these ``values``) form valid UTF-8: each lead byte
    followed, byte after byte, by as many continuation bytes (10xxxxxx) as it announces, and no other bytes.
    ``strict`` also refuses what Python's decoder refuses (overlong forms, surrogates, code points beyond
    U+10FFFF); without it, surrogates written with ``surrogatepass`` pass.

    >>> def check(b):
    ...     a = np.frombuffer(b, dtype=np.uint8); p = np.flatnonzero(a >= 0x80)
    ...     return valid_utf8(p, a[p])
    >>> check("children’s £5 “care”".encode()), check(b"caf\\xe9"), check(b"\\x80abc"), check(b"\\xed\\xa0\\x80")
    (True, False, False, False)
    """
    n = len(pos)
    if not n:
        return True
    continuation = values < 0xC0
    if continuation[0] or not (np.diff(pos)[continuation[1:]] == 1).all():
        return False  # a continuation byte that does not follow the byte before it
    lead = np.flatnonzero(~continuation)
    first = values[lead]
    if ((first < 0xC2) | (first > 0xF4)).any():
        return False  # bytes that never start a character (C0, C1, F5-FF)
    need = 1 + (first >= 0xE0).astype(np.int64) + (first >= 0xF0)
    if not np.array_equal(np.diff(np.r_[lead, n]) - 1, need):
        return False  # a character with too few or too many continuation bytes
    if strict:
        second = values[lead + 1]
        if (
            ((first == 0xE0) & (second < 0xA0))
            | ((first == 0xED) & (second >= 0xA0))
            | ((first == 0xF0) & (second < 0x90))
            | ((first == 0xF4) & (second >= 0x90))
        ).any():
            return False
    return True


def gather(data: bytes, lo: np.ndarray, hi: np.ndarray) -> bytes:
    """The slices ``data[lo[k]:hi[k]]`` joined by line breaks, gathered in numpy (no Python loop).

    >>> gather(b"county lines and cuckooing", np.array([0, 17]), np.array([12, 26]))
    b'county lines\\ncuckooing'
    """
    lens = hi - lo + 1  # each slice and the line break after it
    out_end = np.cumsum(lens)
    idx = np.arange(int(out_end[-1]), dtype=np.int64) + np.repeat(lo - (out_end - lens), lens)
    out = np.frombuffer(data, dtype=np.uint8)[np.minimum(idx, len(data) - 1)]
    out[out_end - 1] = 10
    return out[:-1].tobytes()


def char_spans_slow(raw: bytes, starts, ends, idx: list[int], bs: list[int], be: list[int]):
    cs, ce, matched = [], [], []
    last, data = -1, b""
    for i, a, b in zip(idx, bs, be):
        if i != last:
            last, data = i, cut(raw, int(starts[i]), int(ends[i]))
        c0 = len(data[:a].decode("utf-8", "replace"))
        m = data[a:b].decode("utf-8", "replace")
        cs.append(c0)
        ce.append(c0 + len(m))
        matched.append(m)
    return cs, ce, matched
