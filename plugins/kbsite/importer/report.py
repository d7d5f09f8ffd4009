"""What an import did: pages, ids, fields mapped and dropped, constructs, links, problems."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Something found at a line of a source file (``file`` is relative to SRC)."""

    file: str
    line: int
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "kind": self.kind, "message": self.message}

    def format(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.message}"


@dataclass(slots=True)
class PageRecord:
    source: str  # relative to SRC
    file: str  # relative to the project root
    id: str
    title: str
    lang: str
    action: str = "created"  # created | updated | unchanged

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.file,
            "id": self.id,
            "title": self.title,
            "lang": self.lang,
            "action": self.action,
        }


@dataclass(slots=True)
class Report:
    source: str
    dest: str
    dry_run: bool = False
    pages: list[PageRecord] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    fields_mapped: Counter[str] = field(default_factory=Counter)
    fields_dropped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    converted: list[Event] = field(default_factory=list)
    left: list[Event] = field(default_factory=list)
    links_rewritten: int = 0
    links_broken: list[Event] = field(default_factory=list)
    skipped: list[Event] = field(default_factory=list)
    warnings: list[Event] = field(default_factory=list)
    errors: list[Event] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, file: str, line: int, kind: str, message: str) -> None:
        self.errors.append(Event(file, line, kind, message))

    def warn(self, file: str, line: int, kind: str, message: str) -> None:
        self.warnings.append(Event(file, line, kind, message))

    def actions(self) -> Counter[str]:
        return Counter(p.action for p in self.pages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "dest": self.dest,
            "dry_run": self.dry_run,
            "summary": {
                "pages": len(self.pages),
                **dict(sorted(self.actions().items())),
                "assets": len(self.assets),
                "converted": len(self.converted),
                "left": len(self.left),
                "links_rewritten": self.links_rewritten,
                "links_broken": len(self.links_broken),
                "skipped": len(self.skipped),
                "warnings": len(self.warnings),
                "errors": len(self.errors),
            },
            "pages": [p.to_dict() for p in self.pages],
            "assets": self.assets,
            "fields_mapped": dict(sorted(self.fields_mapped.items())),
            "fields_dropped": {k: sorted(v) for k, v in sorted(self.fields_dropped.items())},
            "converted": [e.to_dict() for e in self.converted],
            "left": [e.to_dict() for e in self.left],
            "links": {
                "rewritten": self.links_rewritten,
                "broken": [e.to_dict() for e in self.links_broken],
            },
            "skipped": [e.to_dict() for e in self.skipped],
            "warnings": [e.to_dict() for e in self.warnings],
            "errors": [e.to_dict() for e in self.errors],
        }
