"""An HTML page's visible text as lines (shared by the web page and document readers)."""

from __future__ import annotations

#: elements that are never text of the page
SKIP = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "nav",
    "header",
    "footer",
    "form",
    "button",
    "select",
    "svg",
    "iframe",
}
BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "section",
    "article",
    "main",
    "aside",
    "center",
    "hr",
    "br",
    "body",
    "figure",
    "figcaption",
    "address",
    "tbody",
    "thead",
}


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


def page_lines(root) -> list[tuple[int, str]]:
    """The page's body as lines of text: one per block element's own text (inline markup joined, a picture's alt
    text kept), skipping scripts, navigation, headers and footers; each with its source line."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = [0]

    def flush() -> None:
        t = norm("".join(buf))
        if t:
            out.append((start[0], t))
        buf.clear()

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in SKIP:
            return
        block = el.tag in BLOCK
        if block:
            flush()
        if not buf:
            start[0] = el.sourceline or start[0]
        if el.tag == "img" and el.get("alt"):
            buf.append(f" {el.get('alt')} ")
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                if not buf:
                    start[0] = child.sourceline or start[0]
                buf.append(child.tail)
        if block:
            flush()

    body = root.find(".//body")
    walk(body if body is not None else root)
    flush()
    return out
