"""Checks across pages: duplicate ids, owners, translations, links (SPEC §4)."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from kbsite.markdown.cache import ModelCache
from kbsite.markdown.targets import url_of
from kbsite.pages import Link, Page
from kbsite.problems import Problem
from kbsite.project import Project
from kbsite.reading import frontmatter
from kbsite.reading.content import is_page_file
from kbsite.reading.owners import Owner
from kbsite.reading.schema import did_you_mean
from kbsite.reading.yamlload import YamlProblem


def check_ids(pages: Iterable[Page]) -> list[Problem]:
    seen: dict[tuple[str, str], list[Page]] = defaultdict(list)
    for page in pages:
        if page.meta.id:
            seen[(page.meta.id, page.meta.lang)].append(page)
    problems = []
    for (page_id, lang), group in seen.items():
        if len(group) < 2:
            continue
        for page in group:
            others = ", ".join(p.path for p in group if p is not page)
            problems.append(
                Problem(
                    "id-duplicate",
                    page.path,
                    page.line_of("id"),
                    f"id `{page_id}` ({lang}) is also used by {others}",
                    "id",
                    "give each page its own id",
                )
            )
    return problems


def check_owners(
    pages: Iterable[Page], owners: dict[str, Owner], owners_file: str
) -> list[Problem]:
    problems = []
    keys = sorted(owners)
    for page in pages:
        refs = [("owner", page.meta.owner), ("escalate_to", page.meta.escalate_to)]
        refs += [("tiers", tier.owner) for tier in page.meta.tiers]
        for name, key in refs:
            if key and key not in owners:
                hint = did_you_mean(key, keys) or f"add `{key}` to {owners_file}"
                problems.append(
                    Problem(
                        "owner-unknown",
                        page.path,
                        page.line_of(name),
                        f"`{key}` is not an owner in {owners_file}",
                        name,
                        hint,
                    )
                )
    return problems


def check_translations(pages: Iterable[Page], by_path: dict[str, Page]) -> list[Problem]:
    problems = []
    for page in pages:
        if not page.source_path:
            continue
        source = by_path.get(page.source_path)
        if source is None:
            problems.append(
                Problem(
                    "translation-orphan",
                    page.path,
                    1,
                    f"translation of `{page.source_path}`, which does not exist",
                    None,
                    "add the source page or remove the language suffix",
                )
            )
        elif source.meta.id and page.meta.id and page.meta.id != source.meta.id:
            problems.append(
                Problem(
                    "field-invalid",
                    page.path,
                    page.line_of("id"),
                    f"a translation shares its source's id; `{page.meta.id}` "
                    f"differs from `{source.meta.id}`",
                    "id",
                    f"use `id: {source.meta.id}`",
                )
            )
    return problems


class LinkChecker:
    """Resolves relative links to pages, docs files and assets, and their heading anchors.

    Hints for missing targets come from indexes of the project's paths (by file name and by
    folder), so a KB with many broken links is checked in time linear in its links."""

    def __init__(
        self,
        project: Project,
        by_path: dict[str, Page],
        today: dt.date,
        models: ModelCache | None = None,
        files: Iterable[str] = (),
    ) -> None:
        self.project = project
        self.by_path = by_path
        self.today = today
        self.models = models
        self._doc_anchors: dict[str, frozenset[str] | None] = {}
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for path in [*by_path, *files]:
            self._by_name[posixpath.basename(path)].append(path)
        self._names = sorted(self._by_name)
        self._files = frozenset(files)
        # Raw-HTML links may name a page by its URL (``../refunds/``): pages by URL path.
        self._by_url = {
            url_of(page.path).rstrip("/"): page for page in by_path.values() if not page.source_path
        }
        self._folders = {posixpath.dirname(path) for path in by_path}
        for folder in list(self._folders):
            while "/" in folder:
                folder = posixpath.dirname(folder)
                self._folders.add(folder)

    def check(self, pages: Iterable[Page]) -> list[Problem]:
        problems: list[Problem] = []
        for page in pages:
            for link in page.links:
                problem = self._check_link(page, link)
                if problem:
                    problems.append(problem)
        return problems

    def _check_link(self, page: Page, link: Link) -> Problem | None:
        if link.path is None:
            anchors: frozenset[str] | None = page.anchors
            where = "this page"
        else:
            target = self.by_path.get(link.path)
            if target is None and link.url_path is not None and not self._exists(link.path):
                target = self._by_url.get(link.url_path)
                if target is None and self._url_exists(link.url_path):
                    return None
            if target is not None:
                if page.meta.status == "active" and target.parsed:
                    retired = self._retired(target)
                    if retired:
                        return Problem(
                            "link-retired",
                            page.path,
                            link.line,
                            f"link to `{link.target}`, which is {retired}",
                            None,
                            "link to the page that replaces it",
                        )
                anchors, where = target.anchors, link.path
            else:
                anchors = self._file_anchors(link.path)
                if anchors is None:
                    return self._missing(page, link)
                where = link.path
        if (
            link.anchor
            and anchors is not None
            and "*" not in anchors
            and link.anchor not in anchors
        ):
            return Problem(
                "link-broken",
                page.path,
                link.line,
                f"link to `{link.target}`: no heading `#{link.anchor}` in {where}",
                None,
                did_you_mean(link.anchor, sorted(anchors)) or "link to an existing heading",
            )
        return None

    def _exists(self, path: str) -> bool:
        """A file (attachment or docs file) at a project path."""
        return self._file_anchors(path) is not None

    def _url_exists(self, url_path: str) -> bool:
        """Something a browser finds at a site path: a file, or a folder's category page."""
        return url_path in self._files or url_path in self._folders or self._exists(url_path)

    def _retired(self, target: Page) -> str | None:
        if target.meta.status == "retired":
            return "retired"
        if target.expired_on(self.today):
            return f"expired since {target.meta.expires}"
        return None

    def _file_anchors(self, path: str) -> frozenset[str] | None:
        """Anchors of a non-content file the link may reach; None when it does not exist.

        A file that exists but has no headings to check (an image) gives an empty set that
        allows any anchor."""
        if path in self._doc_anchors:
            return self._doc_anchors[path]
        result: frozenset[str] | None = None
        for base in (self.project.docs_dir, self.project.root):
            candidate = base / path
            if candidate.is_dir() and (candidate / "index.md").is_file():
                candidate = candidate / "index.md"
            if candidate.is_file():
                result = self._anchors_of(candidate) if is_page_file(candidate.name) else None
                result = result if result is not None else frozenset({"*"})
                break
        self._doc_anchors[path] = result
        return result

    def _anchors_of(self, path: Path) -> frozenset[str] | None:
        """Anchors of a hand-written docs page (front matter aside), from its page model."""
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            return None
        try:
            body = frontmatter.split(text)[2]
        except (frontmatter.FrontMatterMissing, YamlProblem):
            body = text
        models = self.models or ModelCache(self.project.markdown, None)
        return models.outlines([body])[0].anchors

    def _missing(self, page: Page, link: Link) -> Problem:
        base = posixpath.dirname(page.path)
        guess = self._guess(link.path or "")
        hint = f"did you mean `{posixpath.relpath(guess, base)}`?" if guess else None
        return Problem(
            "link-broken",
            page.path,
            link.line,
            f"link to `{link.target}`: `{link.path}` does not exist",
            None,
            hint or "check the path; links are relative to this file",
        )

    def _guess(self, path: str) -> str | None:
        """The existing path most likely meant: the same file name elsewhere (the closest
        folder), else the most similar file name (compiled fuzzy matching over the index)."""
        name, folder = posixpath.basename(path), posixpath.dirname(path)
        if name not in self._by_name:
            from rapidfuzz import fuzz, process  # only for a broken link's hint

            found = process.extractOne(name, self._names, scorer=fuzz.ratio, score_cutoff=60)
            if found is None:
                return None
            name = found[0]
        return max(self._by_name[name], key=lambda p: _shared_prefix(p, folder))


def _shared_prefix(path: str, folder: str) -> int:
    """How many leading folders two paths share."""
    count = 0
    for a, b in zip(posixpath.dirname(path).split("/"), folder.split("/"), strict=False):
        if a != b:
            break
        count += 1
    return count
