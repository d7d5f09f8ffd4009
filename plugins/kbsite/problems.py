"""Problems found in a KB: stable codes, severities, and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


#: Every problem code with its severity (SPEC §4), plus ours, documented in docs/metadata.md:
#: three for the file system (``file-unreadable``, ``symlink-loop``, ``symlink-outside``), one
#: for bodies that cannot be rendered (``markdown-invalid``) and two for chains of versions
#: (``supersedes-unknown``, ``supersedes-overlap``).
CODES: dict[str, Severity] = {
    "front-matter-missing": Severity.ERROR,
    "front-matter-yaml": Severity.ERROR,
    "field-missing": Severity.ERROR,
    "field-unknown": Severity.WARNING,
    "field-invalid": Severity.ERROR,
    "date-invalid": Severity.ERROR,
    "date-order": Severity.ERROR,
    "id-duplicate": Severity.ERROR,
    "owner-unknown": Severity.ERROR,
    "link-broken": Severity.ERROR,
    "link-retired": Severity.WARNING,
    "encoding": Severity.ERROR,
    "mojibake": Severity.WARNING,
    "translation-orphan": Severity.ERROR,
    "lang-unknown": Severity.ERROR,
    "audience-missing": Severity.WARNING,
    "file-unreadable": Severity.ERROR,
    "symlink-loop": Severity.WARNING,
    "symlink-outside": Severity.WARNING,
    "markdown-invalid": Severity.ERROR,
    "supersedes-unknown": Severity.WARNING,
    "supersedes-overlap": Severity.WARNING,
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one place in one file."""

    code: str
    file: str
    line: int
    message: str
    field: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    @property
    def severity(self) -> Severity:
        return CODES[self.code]

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }

    def format(self) -> str:
        """Compiler-style line: ``file:line: code: message (hint)``."""
        text = f"{self.file}:{self.line}: {self.code}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Unique problems ordered by file, line, then code; the order of reports and JSON."""
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.code, p.field or "", p.message))
