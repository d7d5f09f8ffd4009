"""Checks of ``supersedes`` chains: ids that name no page, and versions whose periods overlap.

Rep search answers "which rule applied on that day" from these chains (kbsite.versions), so a
chain where two versions claim the same day, or a link to a version that does not exist, would
give a rep a wrong or missing answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from kbsite.pages import Page
from kbsite.problems import Problem
from kbsite.reading.schema import did_you_mean
from kbsite.versions import ONE_DAY


def check_versions(pages: Iterable[Page], today: dt.date) -> list[Problem]:
    pages = [page for page in pages if page.parsed]
    known = sorted({page.meta.id for page in pages if page.meta.id})
    sources = {}
    for page in pages:
        if page.meta.id and not page.is_translation and page.meta.status != "draft":
            sources.setdefault(page.meta.id, page)
    problems: list[Problem] = []
    for page in pages:
        line = page.line_of("supersedes")
        for old_id in dict.fromkeys(page.meta.supersedes):
            if old_id not in known:
                problems.append(
                    Problem(
                        "supersedes-unknown",
                        page.path,
                        line,
                        f"`supersedes` names `{old_id}`, which is not the id of any page",
                        "supersedes",
                        did_you_mean(old_id, known)
                        or "keep the old version as a retired page, or remove the id",
                    )
                )
            elif page.meta.status != "draft" and not page.is_translation:
                old = sources.get(old_id)
                if old is not None:
                    problems += _overlaps(page, old, today)
    return problems


def _overlaps(new: Page, old: Page, today: dt.date) -> list[Problem]:
    """The ways ``new`` and the version it supersedes claim the same days."""
    line = new.line_of("supersedes")
    start, old_id = new.meta.effective, old.meta.id
    if old is new:
        return [
            Problem(
                "supersedes-overlap",
                new.path,
                line,
                f"the page supersedes itself (`{old_id}`)",
                "supersedes",
                "name the id of the version this page replaces",
            )
        ]
    if start is None:
        return []
    if old.meta.effective and start <= old.meta.effective:
        return [
            Problem(
                "supersedes-overlap",
                new.path,
                new.line_of("effective"),
                f"takes effect on {start}, but `{old_id}`, which it replaces, only took effect "
                f"on {old.meta.effective}",
                "effective",
                "a new version starts after the one it replaces: check both `effective` dates",
            )
        ]
    if old.meta.expires and old.meta.expires >= start:
        return [
            Problem(
                "supersedes-overlap",
                new.path,
                line,
                f"replaces `{old_id}` from {start}, but `{old_id}` still applies until "
                f"{old.meta.expires} (its `expires`)",
                "supersedes",
                f"set `expires: {start - ONE_DAY}` on `{old_id}` ({old.path}), or move "
                "`effective` here",
            )
        ]
    if (
        old.meta.status == "active"
        and old.meta.expires is None
        and new.meta.status == "active"
        and start <= today
    ):
        return [
            Problem(
                "supersedes-overlap",
                old.path,
                old.line_of("status"),
                f"still active, but `{new.meta.id}` ({new.path}) replaced it on {start}",
                "status",
                f"set `status: retired` (or `expires: {start - ONE_DAY}`) so only one version "
                "applies",
            )
        ]
    return []
