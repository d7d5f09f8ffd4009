"""``kb new``: write a page that already passes ``kb check``, so no owner starts from blank."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

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


def scaffold(
    project: Project,
    page_type: str,
    path: Path,
    today: dt.date,
    *,
    owner: str | None = None,
    title: str | None = None,
) -> Path:
    """Write a new page of ``page_type`` at ``path`` (relative to the project root)."""
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
    owners, _ = load_owners(
        project.root / project.settings.owners_file, project.settings.owners_file
    )
    if owner is None and page_type != "article":
        if not owners:
            raise ScaffoldError(f"no owners in {project.settings.owners_file}; add one first")
        owner = next(iter(owners))
    if owner is not None and owner not in owners:
        raise ScaffoldError(f"owner `{owner}` is not in {project.settings.owners_file}")

    tree = read_content(project, today)
    stem, lang = language_suffix(target.name, project.settings.languages)
    source_rel = (Path(rel).parent / f"{stem}.md").as_posix()
    source = next((p for p in tree.pages if p.path == source_rel and p.parsed), None)
    fields: dict[str, object] = {}
    if lang and lang != project.settings.default_language and source is not None:
        fields["id"] = source.meta.id
        fields["title"] = title or source.meta.title
    else:
        taken = {p.meta.id for p in tree.pages if p.meta.id}
        fields["id"] = _new_id(PREFIX[page_type], stem, taken)
        fields["title"] = title or stem.replace("-", " ").replace("_", " ").strip().capitalize()
    if page_type != project.settings.type_for_folder(folder):
        fields["type"] = page_type
    if owner:
        fields["owner"] = owner
    fields["audience"] = "internal"
    fields["status"] = "draft"
    if page_type == "policy":
        fields["effective"] = today.isoformat()
    fields["last_reviewed"] = today.isoformat()
    if source is not None and lang and source.meta.updated:
        fields["translated_from"] = source.meta.updated.isoformat()
    if page_type == "procedure":
        fields["escalate_to"] = owner
        fields["response_time"] = "4h"
    lines = ["---", *(f"{k}: {_yaml_scalar(v)}" for k, v in fields.items()), "---"]
    text = "\n".join(lines) + "\n\n# " + str(fields["title"]) + "\n" + _BODIES[page_type]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


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
