"""Text from documents, names, taxonomies, file names and the URL, made safe to show.

Streamlit renders Markdown (images, links, autolinks, ``:directives:``) in st.markdown, st.caption, the
st.success/error/warning/info boxes, widget and expander labels and progress text; plotly renders a subset of
HTML (``<a>``, ``<b>``, ``<br>``) in trace names, tick labels and hover text. Anything that did not come from this
code goes through one of the two helpers below before it is shown.
"""

from __future__ import annotations

import html
import re

# every ASCII character that can start Markdown, GFM (autolinks: ':' '.' '@'; tables: '|'; strikethrough: '~'),
# Streamlit's own syntax (':red[…]', ':material/…:', '$math$') or HTML
_SPECIAL = re.compile(r"""[\\`*_{}\[\]()<>#+\-=.!|~:$@&"'^]""")
_NEWLINE = re.compile(r"\r\n?|\n")


def md_escape(value) -> str:
    """``value`` as literal text in Markdown *and* in HTML (attributes included): each special character becomes a
    numeric character reference, which both Markdown and HTML show as that character and never read as syntax.

    >>> md_escape("![x](http://h/x.png)")
    '&#33;&#91;x&#93;&#40;http&#8288;&#58;//h/x&#46;png&#41;'
    >>> md_escape('<a href="u">Evil</a>')
    '&#60;a href&#61;&#34;u&#34;&#62;Evil&#60;/a&#62;'
    >>> md_escape("日本語 notes, v2")
    '日本語 notes, v2'

    GFM turns bare addresses into links *after* character references are read ("http://…", "www.…", "a@b.org"),
    so an invisible word joiner (U+2060) goes between the scheme and its colon, after "www" and before "@":

    >>> md_escape("see https://evil.example/x or www.evil.example, mail a@evil.example")
    'see https&#8288;&#58;//evil&#46;example/x or www&#8288;&#46;evil&#46;example, mail a&#8288;&#64;evil&#46;example'
    """
    escaped = _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", "" if value is None else str(value))
    return _AUTOLINK.sub("\\1&#8288;\\2", escaped)


# what GFM's autolink literals start with, once md_escape has escaped them: a scheme and its colon, "www.", "@"
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftps?|mailto|xmpp)(?=&#58;)|\bwww(?=&#46;)|(?=&#64;))(&#58;|&#46;|&#64;)")


def html_block(markup: str) -> str:
    """HTML for st.markdown(..., unsafe_allow_html=True) kept on one line: Markdown leaves an HTML block alone
    only up to its first blank line, so a blank line in document text must not reopen Markdown parsing."""
    return _NEWLINE.sub(" ", markup)


def plot_text(value) -> str:
    """``value`` as literal text in a plotly figure (names, tick labels, hover text): plotly reads ``<a>``,
    ``<b>``, ``<br>`` and entities, so ``&``, ``<`` and ``>`` are escaped.

    >>> plot_text('<a href="http://h/a">Evil</a> & co')
    '&lt;a href="http://h/a"&gt;Evil&lt;/a&gt; &amp; co'
    """
    return html.escape("" if value is None else str(value), quote=False)
