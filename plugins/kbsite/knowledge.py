"""Load a whole KB: content, owners and every check, as one result the adapters share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kbsite.checks.references import LinkChecker, check_ids, check_owners, check_translations
from kbsite.checks.versions import check_versions
from kbsite.markdown.cache import ModelCache
from kbsite.pages import Page
from kbsite.problems import Problem, sort_problems
from kbsite.project import Project
from kbsite.reading.content import read_content
from kbsite.reading.owners import Owner, load_owners


@dataclass
class KnowledgeBase:
    project: Project
    today: dt.date
    pages: list[Page]
    owners: dict[str, Owner]
    problems: list[Problem]
    files: list[str] = field(default_factory=list)  # attachments in the content folders
    models: ModelCache | None = None  # each page's rendering, by its body
    by_path: dict[str, Page] = field(init=False)
    translations: dict[str, dict[str, Page]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_path = {page.path: page for page in self.pages}
        self.translations = {}
        for page in self.pages:
            if page.source_path:
                self.translations.setdefault(page.source_path, {})[page.lang] = page

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def ok(self, strict: bool = False) -> bool:
        return not (self.problems if strict else self.errors)

    def translations_of(self, source: Page) -> dict[str, Page]:
        """Translations of a source page, by language."""
        return self.translations.get(source.path, {})


def load_kb(project: Project, today: dt.date) -> KnowledgeBase:
    """Read and check every content page of the project."""
    tree = read_content(project, today)
    owners_rel = project.settings.owners_file
    owners, owner_problems = load_owners(project.root / owners_rel, owners_rel)
    by_path = {page.path: page for page in tree.pages}
    parsed = [page for page in tree.pages if page.parsed]
    problems = [
        *tree.problems,
        *owner_problems,
        *check_ids(parsed),
        *check_owners(parsed, owners, owners_rel),
        *check_translations(tree.pages, by_path),
        *LinkChecker(project, by_path, today, tree.models, tree.files).check(tree.pages),
        *check_versions(parsed, today),
    ]
    return KnowledgeBase(
        project, today, tree.pages, owners, sort_problems(problems), tree.files, tree.models
    )
