"""A strict look inside rendered HTML with the standard library's parser (no extra dependency)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Probe(HTMLParser):
    """Collects every start tag with its attributes, and the text per tag path."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.text: list[str] = []
        self._stack: list[str] = []
        self.title_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "link", "br", "img", "input", "image", "line", "rect", "path", "circle", "polyline"):
            self._stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._stack and self._stack[-1] == "title" and "svg" not in self._stack:
            self.title_text += data

    def count(self, tag: str, **attrs: str) -> int:
        return sum(1 for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items()))

    def find(self, tag: str) -> list[dict[str, Any]]:
        return [a for t, a in self.tags if t == tag]

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def probe(html: str) -> Probe:
    p = Probe()
    p.feed(html)
    p.close()
    return p
