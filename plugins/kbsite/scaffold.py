"""``kb new``: write a draft that already passes ``kb check``, so no owner starts from blank."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kbsite.pages import Page
from kbsite.project import Project
from kbsite.reading.content import language_suffix, read_content
from kbsite.reading.owners import load_owners

PREFIX = {"policy": "POL", "procedure": "PROC", "article": "KB"}

#: The smallest mkdocs.yml of a KB project (tests, benchmarks and imports start from it).
MKDOCS_TEMPLATE = """\
site_name: {site_name}
docs_dir: docs
site_dir: site/preview
theme:
  name: material
plugins:
  - search
  - kb:
      languages: [en, it, tl, lv, te]
markdown_extensions:
  - toc:
      permalink: true
      slugify: !!python/name:kbsite.markdown.slugs.slugify
  - admonition
  - attr_list
  - tables
"""

_BODIES = {
    "policy": """
## Summary

What the rule is, in two sentences a representative can quote to a customer.

## Who it applies to

## The rule

1. First step.
2. Second step.

## Exceptions

## What a representative may approve

""",
    "procedure": """
## When to use this procedure

## Steps

1. Acknowledge the customer and note the case number.
2. Gather what the next tier needs.
3. Escalate within the response time above.

## What to tell the customer

""",
    "article": """
## Before you start

## Steps

1. First step.
2. Second step.

## If it does not work

""",
}


class ScaffoldError(ValueError):
    """The page cannot be created where or how it was asked."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A field ``kb new`` filled in (or left out), and why: printed for the owner."""

    field: str
    value: str | None  # None: deliberately left out
    why: str


@dataclass(frozen=True)
class Scaffolded:
    path: Path
    choices: tuple[Choice, ...]


def scaffold(
    project: Project,
    page_type: str,
    path: Path,
    today: dt.date,
    *,
    owner: str | None = None,
    title: str | None = None,
    escalate_to: str | None = None,
) -> Scaffolded:
    """Write a new draft page of ``page_type`` at ``path`` (relative to the project root).

    Fields nobody chose get the most likely value (the folder's usual owner) and every choice
    is returned with its reason. No review is claimed: ``last_reviewed`` is left out until a
    review happens (a draft may omit it; ``kb check`` requires it once the page is active)."""
    target = path if path.is_absolute() else project.root / path
    rel = project.rel(target)
    folder = rel.split("/", 1)[0]
    if folder not in project.settings.content_dirs or "/" not in rel:
        raise ScaffoldError(
            f"{rel}: put pages inside a content folder: {', '.join(project.settings.content_dirs)}"
        )
    if target.suffix != ".md":
        raise ScaffoldError(f"{rel}: a page's file name ends in .md")
    if target.exists():
        raise ScaffoldError(f"{rel} already exists; it was left as it is")
    owners_file = project.settings.owners_file
    owners, _ = load_owners(project.root / owners_file, owners_file)
    for given in (owner, escalate_to):
        if given is not None and given not in owners:
            raise ScaffoldError(f"owner `{given}` is not in {owners_file}")

    tree = read_content(project, today)
    parsed = [p for p in tree.pages if p.parsed]
    stem, lang = language_suffix(target.name, project.settings.languages)
    source_rel = (Path(rel).parent / f"{stem}.md").as_posix()
    source = next((p for p in parsed if p.path == source_rel), None)
    translating = bool(lang and lang != project.settings.default_language and source)
    choices: list[Choice] = []
    fields: dict[str, object] = {}

    def choose(name: str, value: object, why: str) -> None:
        fields[name] = value
        choices.append(Choice(name, str(value), why))

    if translating:
        assert source is not None
        choose("id", source.meta.id, f"the id of {source.path}")
        choose("title", title or source.meta.title, "given" if title else "the source's title")
    else:
        taken = {p.meta.id for p in tree.pages if p.meta.id}
        choose("id", _new_id(PREFIX[page_type], stem, taken), "from the file name")
        choose(
            "title",
            title or stem.replace("-", " ").replace("_", " ").strip().capitalize(),
            "given" if title else "from the file name",
        )
    if page_type != project.settings.type_for_folder(folder):
        choose(
            "type",
            page_type,
            f"the default in {folder}/ is {project.settings.type_for_folder(folder)}",
        )
    folder_pages = _nearest_pages(parsed, Path(rel).parent.as_posix(), folder)
    if owner is not None:
        choose("owner", owner, "given")
    elif translating and source is not None and source.meta.owner:
        choose("owner", source.meta.owner, "the source's owner")
    elif page_type != "article":
        if not owners:
            raise ScaffoldError(f"no owners in {owners_file}; add one first")
        key, why = _usual(folder_pages, lambda p: p.meta.owner, owners)
        if key is None:
            key, why = next(iter(owners)), f"the first team in {owners_file}"
        choose("owner", key, why)
    choose("audience", "internal", "customers see it only once you make it public")
    choose("status", "draft", "not published until you set `active`")
    if page_type == "policy":
        effective = (
            source.meta.effective if translating and source and source.meta.effective else today
        )
        choose(
            "effective",
            effective.isoformat(),
            "the source's date" if effective is not today else "today: set the day the rule starts",
        )
    choices.append(
        Choice(
            "last_reviewed",
            None,
            "left out: no review yet; add it after one (needed once active)",
        )
    )
    if translating and source is not None and source.meta.updated:
        choose(
            "translated_from",
            source.meta.updated.isoformat(),
            "the source's `updated` date",
        )
    if page_type == "procedure":
        page_owner = str(fields["owner"])
        if escalate_to is None:
            others = {k: v for k, v in owners.items() if k != page_owner}
            escalate_to, why = _usual(
                [p for p in folder_pages if p.meta.type == "procedure"],
                lambda p: p.meta.escalate_to,
                others,
            )
            if escalate_to is None and others:
                escalate_to, why = next(iter(others)), f"the first other team in {owners_file}"
            if escalate_to is None:
                raise ScaffoldError(
                    f"a procedure escalates to another team than its owner `{page_owner}`, "
                    f"and {owners_file} has no other; add one, or pass --escalate-to"
                )
        else:
            why = "given"
        if escalate_to == page_owner:
            raise ScaffoldError(
                f"a procedure escalates to another team than its owner; `{page_owner}` is both"
            )
        choose("escalate_to", escalate_to, why)
        choose("response_time", "4h", "a first guess: set the agreed time")
    lines = ["---", *(f"{k}: {_yaml_scalar(v)}" for k, v in fields.items()), "---"]
    text = "\n".join(lines) + "\n\n# " + str(fields["title"]) + "\n" + _BODIES[page_type]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return Scaffolded(target, tuple(choices))


def _nearest_pages(pages: list[Page], folder: str, content_dir: str) -> list[Page]:
    """The pages of the nearest folder (the page's own, else a parent) that has any."""
    while True:
        here = [p for p in pages if posixpath.dirname(p.path) == folder]
        if here or folder in (content_dir, "", "."):
            return here
        folder = posixpath.dirname(folder)


def _usual(
    pages: list[Page], value_of: Callable[[Page], str | None], allowed: Mapping[str, object]
) -> tuple[str | None, str]:
    """The value most pages use (ties: the first in ``allowed``), and a sentence saying so."""
    counts = Counter(v for p in pages if (v := value_of(p)) in allowed)
    if not counts:
        return None, ""
    order = list(allowed)
    key = max(counts, key=lambda k: (counts[k], -order.index(k)))
    folder = posixpath.dirname(pages[0].path) + "/"
    return key, f"used by {counts[key]} of {len(pages)} pages in {folder}"


def _yaml_scalar(value: object) -> str:
    text = str(value)
    if (re.fullmatch(r"[\w .,()/-]+", text) and not text[0].isdigit()) or re.fullmatch(
        r"\d{4}-\d{2}-\d{2}|\d+\w+", text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _new_id(prefix: str, stem: str, taken: set[str]) -> str:
    words = re.sub(r"[^A-Z0-9]+", "-", stem.upper()).strip("-") or "PAGE"
    candidate = f"{prefix}-{words}"
    number = 2
    while candidate in taken:
        candidate, number = f"{prefix}-{words}-{number}", number + 1
    return candidate
