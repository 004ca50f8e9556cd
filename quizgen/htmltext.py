"""HTML pages: main text and metadata.

The main text comes from trafilatura, the field's reference extractor: its class- and
id-based boilerplate rules find the article in ``<div>`` soup and drop sidebars and
"related" blocks even when they hold whole sentences. Before it runs, the page is pruned
of what is never article text (script, style, nav, aside, footer, forms) and ruby readings
(``<rt>``/``<rp>``) are removed, so 気象庁 stays one word. Where trafilatura finds nothing
(tiny or broken pages) the standard library's HTML parser gives the text instead.

Metadata is read here, not by trafilatura (which misreads Japanese dates and may take a
date from a ranking headline): JSON-LD, meta tags and ``<time>`` first. The text returned
still goes through the pasted-page cleaner (``clean``), which removes the clutter that
flat ``<p>``-per-line pages keep.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from quizgen.dates import parse_published
from quizgen.model import Metadata

log = logging.getLogger(__name__)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")

SKIP_TAGS = {
    "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button",
    "select", "textarea", "iframe", "svg", "canvas", "rt", "rp", "head", "menu", "dialog",
}  # fmt: skip
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
    "main", "header", "tr", "table", "blockquote", "figure", "figcaption", "dd", "dt", "hr", "pre",
}  # fmt: skip
VOID_TAGS = {
    "br",
    "hr",
    "img",
    "meta",
    "link",
    "input",
    "wbr",
    "source",
    "area",
    "base",
    "col",
    "embed",
}
DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "date", "dc.date", "dc.date.issued", "sailthru.date", "publish-date", "parsely-pub-date",
)  # fmt: skip


@dataclass
class _Collector(HTMLParser):
    """Collects text per region (whole page, inside <article>/<main>) and metadata."""

    page: list[str] = field(default_factory=list)
    main: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    json_ld: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    h1: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[str] = []
        self._skip = 0
        self._main = 0
        self._in_title = False
        self._in_h1 = False
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
            return
        if tag == "time" and a.get("datetime") and not self._skip:
            self.times.append(a["datetime"])
        if tag == "script" and a.get("type", "").lower() == "application/ld+json":
            self._in_ld = True
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self._in_h1 = True
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS:
                self._newline()
            return
        self._stack.append(tag)
        if tag in SKIP_TAGS:
            self._skip += 1
        if tag in ("article", "main"):
            self._main += 1
        if tag in BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        if tag == "script":
            self._in_ld = False
        if tag in VOID_TAGS or tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            if top in SKIP_TAGS:
                self._skip -= 1
            if top in ("article", "main"):
                self._main -= 1
            if top in BLOCK_TAGS:
                self._newline()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.json_ld.append(data)
            return
        if self._in_title:
            self.title.append(data)
            return
        if self._skip:
            return
        if self._in_h1:
            self.h1.append(data)
        self.page.append(data)
        if self._main:
            self.main.append(data)

    def _newline(self) -> None:
        self.page.append("\n")
        if self._main:
            self.main.append("\n")


def _lines(parts: list[str]) -> str:
    text = "".join(parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _walk_json_ld(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, list):
        for item in node:
            found.extend(_walk_json_ld(item))
    elif isinstance(node, dict):
        found.append(node)
        if "@graph" in node:
            found.extend(_walk_json_ld(node["@graph"]))
    return found


def _author(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if isinstance(value, str) and value.strip() else None


PRUNE_TAGS = tuple(sorted(SKIP_TAGS - {"head"}))


def library_text(html_text: str) -> str | None:
    """Main text found by trafilatura on the pruned page, or None when it finds none."""
    import lxml.etree
    import lxml.html
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        tree = lxml.html.document_fromstring(_XML_DECL.sub("", html_text, count=1))
    except (lxml.etree.ParserError, ValueError):
        return None
    lxml.etree.strip_elements(tree, *PRUNE_TAGS, with_tail=False)
    lxml.etree.strip_tags(tree, "ruby", "rb")
    text = trafilatura.extract(
        tree,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
    )
    return text.strip() if text and text.strip() else None


def extract_html(html_text: str) -> tuple[str, Metadata]:
    """Main text of an HTML page (one line per block) and its metadata.

    >>> text, meta = extract_html('<title>T</title><p>本文です。</p><nav>メニュー</nav>')
    >>> text, meta.title
    ('本文です。', 'T')
    """
    collector = _Collector()
    collector.feed(html_text)
    collector.close()
    main_text = _lines(collector.main)
    page_text = _lines(collector.page)
    text = library_text(html_text) or (
        main_text if len(main_text) >= 0.2 * len(page_text) and main_text else page_text
    )

    title = published = byline = url = None
    for block in collector.json_ld:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for node in _walk_json_ld(data):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if not any(isinstance(k, str) and ("Article" in k or k == "WebPage") for k in kinds):
                continue
            published = published or node.get("datePublished")
            title = title or node.get("headline")
            byline = byline or _author(node.get("author"))
            url = url or (node.get("url") if isinstance(node.get("url"), str) else None)
    meta = collector.meta
    for key in DATE_META:
        if not published and meta.get(key):
            published = meta[key]
    if not published and collector.times:
        published = collector.times[0]
    title = (
        title or meta.get("og:title") or meta.get("twitter:title") or "".join(collector.h1).strip()
    )
    title = title or "".join(collector.title).strip() or None
    byline = byline or meta.get("author") or None
    url = url or meta.get("og:url") or meta.get("canonical") or None
    parsed = None
    if published:
        try:
            parsed = parse_published(str(published).strip())
        except ValueError:
            log.info("unparsed date in page metadata: %r", published)
    return text, Metadata(
        title=" ".join(str(title).split()) if title else None,
        published=parsed,
        url=url,
        byline=byline,
    )
