"""Tag passages with themes, each tag with its evidence (matched text, offsets, method, score, reason).

The stages, each in its own module:

1. **Input** (``tagger``): the passages' UTF-8 bytes, one per line (``Tagger.tag_bytes``: bytes, a memory map or
   a memoryview, read in place, and where each passage ends when the caller knows; ``tag_columns`` encodes
   Python strings first, each on its own).
2. **Normalise and scan, a few MB at a time** (``normalise``, ``patterns``, ``scan``): line breaks found
   (unless given), then one ``bytes.translate`` (lowercase, every other byte a space: same length, so offsets
   carry over), then two hyperscan scans while the piece is in the CPU's cache: every phrase, exclusion and
   context phrase of every theme (with plural and possessive variants and word boundaries; all occurrences,
   overlaps included), and the misspelling variants.
3. **Misspellings** (``misspellings``): one-edit typing slips, generated once per taxonomy into a hyperscan
   *literal* database; a passage with a slip has the intended word put back and is re-scanned; each phrase found
   is mapped back to the original span and scored with rapidfuzz (``fuzz.ratio`` >= 80). Whether a passage
   holds a misspelling depends only on its own text.
4. **Context and sections** (``context``): a context phrase counts only with one of its ``near`` words within
   ``window`` words; a ``cue`` counts only inside a section that is about the theme (its title matches, or at
   least ``section_share`` of its passages match directly).
5. **Exclusions** cancel the matches they overlap (``tagger``).
6. **Evidence** (``evidence``, ``offsets``): named records of columns from every stage, one row per (passage,
   theme, span), the strongest method kept; byte offsets become character offsets only for these rows.
"""

from .misspellings import _NEIGHBOURS, edits1  # noqa: F401
from .patterns import GAP, RAW_GAP, Pat, phrase_pattern, word_pattern  # noqa: F401
from .scan import Scanner  # noqa: F401
from .tagger import TAG_COLUMNS, Tagger, compiled_taxonomy, tag_passages, tagger_for, themes_column  # noqa: F401
