"""Review states of every page (SPEC §5), computed from metadata and "today". No MkDocs import.

Drafts and retired pages are skipped (they never reach a site). An expired page gets only
`expired`: reviewing it is moot until it is renewed or retired.

Each flag says why in English (``reason``: what `kb stale` prints and its JSON holds) and as a
label key of ``sites/translations.yml`` with the raw values it needs (``reason_key``,
``reason_params``: dates, durations, counts, language codes), from which the rep site writes
the same sentence in the reader's language (sites/banners.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kbsite.dates import Duration
from kbsite.knowledge import KnowledgeBase
from kbsite.pages import Page
from kbsite.review import feedback
from kbsite.review.feedback import PageVotes
from kbsite.review.states import primary, severity
from kbsite.sites.languages import language_name


@dataclass(frozen=True, slots=True)
class Flag:
    """One state of one page in one language."""

    path: str
    id: str | None
    lang: str
    title: str | None
    owner: str | None
    state: str
    due: dt.date | None  # the day it became (or becomes) a problem
    days_overdue: int  # negative: days left
    reason: str  # in English
    never_reviewed: bool = False
    missing: tuple[str, ...] = ()  # translation-missing: the language codes
    reason_key: str = ""  # label key of the reason in other languages (``reason.*``)
    #: The label's placeholders, raw: dates, durations, counts (``n``), language codes
    #: (``languages``), paths; ``comment``: a rep's own words, quoted before the sentence.
    reason_params: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lang": self.lang,
            "file": self.path,
            "title": self.title,
            "owner": self.owner,
            "state": self.state,
            "due": self.due.isoformat() if self.due else None,
            "days_overdue": self.days_overdue,
            "reason": self.reason,
        }


#: Readers' "no" votes since the last review (and more than "yes") that flag a page.
UNHELPFUL_MIN = 3


def _days(word: int) -> str:
    return f"{abs(word)} day{'s' * (abs(word) != 1)}"


class _Flagger:
    def __init__(self, kb: KnowledgeBase, votes: Mapping[tuple[str, str], PageVotes]) -> None:
        self.kb = kb
        self.today = kb.today
        self.settings = kb.project.settings
        self.votes = votes
        self.flags: list[Flag] = []

    def flag(
        self,
        page: Page,
        state: str,
        due: dt.date | None,
        reason: str,
        key: str,
        params: Mapping[str, Any],
        days: int | None = None,
        never: bool = False,
        missing: tuple[str, ...] = (),
    ) -> None:
        if days is None:
            days = (self.today - due).days if due else 0
        meta = page.meta
        self.flags.append(
            Flag(
                page.path,
                meta.id,
                page.lang,
                meta.title,
                meta.owner,
                state,
                due,
                days,
                reason,
                never,
                missing,
                key,
                tuple(params.items()),
            )
        )

    def run(self) -> list[Flag]:
        for page in self.kb.pages:
            if not page.parsed or page.meta.status != "active":
                continue
            if page.expired_on(self.today):
                expires = page.meta.expires
                self.flag(
                    page,
                    "expired",
                    expires,
                    f"expired on {expires}; renew or retire it",
                    "reason.expired",
                    {"date": expires},
                )
                continue
            self._readers(page)
            self._review(page)
            self._upcoming(page)
            self._translation(page)
            self._links(page)
            self._missing_translations(page)
        # Most overdue first, whatever the state; ties: the more severe state, then the path.
        return sorted(
            self.flags, key=lambda f: (-f.days_overdue, severity(f.state), f.path, f.lang)
        )

    def _readers(self, page: Page) -> None:
        """``flagged``: a rep flagged the page, or readers found it unhelpful, since its last
        review (votes of the review day itself are taken as older than the review)."""
        votes = self.votes.get((page.meta.id or "", page.lang))
        if votes is None:
            return
        reviewed = page.meta.last_reviewed
        yes, no, flags, first_flag, first_no = votes.since(reviewed)
        since = f"since its review on {reviewed}" if reviewed else "and it was never reviewed"
        never = "" if reviewed else "-never"
        if flags:
            # The rep's words first: they say what is wrong (the table shows the start only).
            comment = next((c for d, c in votes.flag_comments if not reviewed or d > reviewed), "")
            quoted = f"{comment[:80]}{'…' * (len(comment) > 80)}"
            said = f"“{quoted}”: " if comment else ""
            times = f"{flags} times" if flags > 1 else "once"
            params: dict[str, Any] = {"n": flags, "date": reviewed}
            if comment:
                params["comment"] = quoted
            self.flag(
                page,
                "flagged",
                first_flag,
                f"{said}flagged as outdated by reps {times} {since}",
                f"reason.flagged-by-reps{never}",
                params,
            )
        elif no >= UNHELPFUL_MIN and no > yes:
            self.flag(
                page,
                "flagged",
                first_no,
                f"{no} of {yes + no} readers found it unhelpful {since}",
                f"reason.unhelpful{never}",
                {"no": no, "total": yes + no, "date": reviewed},
            )

    def _review(self, page: Page) -> None:
        meta = page.meta
        source = self.kb.by_path.get(page.source_path or "")
        if meta.last_reviewed is None and source is not None and source.meta.last_reviewed:
            meta = source.meta  # a translation without its own review follows its source's
        if meta.last_reviewed is None:
            since = meta.updated or meta.effective
            days = (self.today - since).days if since and since <= self.today else 0
            self.flag(
                page,
                "stale",
                None,
                "never reviewed: add `last_reviewed` after a review",
                "reason.never-reviewed",
                {},
                days,
                never=True,
            )
            return
        interval = meta.review_every or self.settings.review_interval(meta.type)
        due = interval.after(meta.last_reviewed)
        every = f"every {interval.human()} since {meta.last_reviewed}"
        params: dict[str, Any] = {"due": due, "interval": interval, "reviewed": meta.last_reviewed}
        if due < self.today:
            self.flag(
                page, "stale", due, f"review was due on {due} ({every})", "reason.stale", params
            )
        elif (due - self.today).days <= self.settings.due_soon:
            left = (due - self.today).days
            when = "today" if left == 0 else f"in {_days(left)}"
            self.flag(
                page,
                "due-soon",
                due,
                f"review due on {due}, {when} ({every})",
                "reason.due-today" if left == 0 else "reason.due-soon",
                params | {"days": Duration(left, "days")},
            )

    def _upcoming(self, page: Page) -> None:
        effective = page.meta.effective
        if effective and effective > self.today:
            self.flag(
                page,
                "upcoming",
                effective,
                f"takes effect on {effective}",
                "reason.upcoming",
                {"date": effective},
            )

    def _translation(self, page: Page) -> None:
        source = self.kb.by_path.get(page.source_path or "")
        if source is None or not source.parsed or source.meta.updated is None:
            return
        translated = page.meta.translated_from
        if translated is None:
            self.flag(
                page,
                "translation-outdated",
                source.meta.updated,
                f"no `translated_from`: cannot tell whether it matches the source "
                f"updated on {source.meta.updated}",
                "reason.no-translated-from",
                {"date": source.meta.updated},
            )
        elif source.meta.updated > translated:
            self.flag(
                page,
                "translation-outdated",
                source.meta.updated,
                f"the source changed on {source.meta.updated}; this translation is from "
                f"{translated}",
                "reason.translation-outdated",
                {"updated": source.meta.updated, "translated": translated},
            )

    def _links(self, page: Page) -> None:
        reviewed = page.meta.last_reviewed
        if reviewed is None:
            return
        changed: dict[str, dt.date] = {}
        for link in page.links:
            target = self.kb.by_path.get(link.path or "")
            if (
                target is None
                or target is page
                or not target.parsed
                or target.meta.type not in ("policy", "procedure")
            ):
                continue
            updated = target.meta.updated
            if updated and updated > reviewed:
                changed[target.path] = updated
        if changed:
            latest = max(changed.values())
            names = ", ".join(sorted(changed))
            self.flag(
                page,
                "links-changed",
                latest,
                f"linked {names} changed on {latest}, after this page's review on {reviewed}",
                "reason.links-changed",
                {"pages": tuple(sorted(changed)), "date": latest, "reviewed": reviewed},
            )

    def _missing_translations(self, page: Page) -> None:
        meta = page.meta
        if page.is_translation or meta.type != "policy" or meta.audience != "public":
            return
        present = {lang for lang, tr in self.kb.translations_of(page).items() if tr.parsed}
        missing = [
            lang for lang in self.settings.languages if lang != page.lang and lang not in present
        ]
        if missing:
            names = ", ".join(f"{language_name(lang)} ({lang})" for lang in missing)
            self.flag(
                page,
                "translation-missing",
                None,
                f"no translation into {names}",
                "reason.translation-missing",
                {"languages": tuple(missing)},
                0,
                missing=tuple(missing),
            )


def compute_flags(
    kb: KnowledgeBase,
    votes: Mapping[tuple[str, str], PageVotes] | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[Flag]:
    """Every state of every live page, most overdue first.

    ``votes`` are readers' votes per (id, language); by default they are read from the
    project's feedback store when there is one (``warn`` says why when it cannot be read)."""
    if votes is None:
        votes = read_votes(kb, warn)
    return _Flagger(kb, votes).run()


def read_votes(
    kb: KnowledgeBase, warn: Callable[[str], None] | None = None
) -> dict[tuple[str, str], PageVotes]:
    """Votes within the retention period from ``.kb/feedback.sqlite3``; none without it."""
    store = feedback.open_for_reading(kb.project, warn)
    if store is None:
        return {}
    try:
        start = feedback.retention_start(kb.today, kb.project.settings.feedback_retention_days)
        return store.page_votes(start)
    except feedback.StoreError as exc:
        if warn is not None:
            warn(f"reader feedback left out: {exc}")
        return {}
    finally:
        store.close()


def flags_by_path(flags: list[Flag]) -> dict[str, list[Flag]]:
    grouped: dict[str, list[Flag]] = defaultdict(list)
    for flag in flags:
        grouped[flag.path].append(flag)
    return dict(grouped)


def primary_state(flags: list[Flag]) -> str:
    """``ok``, or the most severe state among a page's flags (used to rank search results)."""
    return primary({flag.state for flag in flags})


def fail_on_message(flags: list[Flag], fail_on: tuple[str, ...]) -> str | None:
    """Why the build must stop (pages in a state the config lists in ``fail_on``), or None."""
    failing = [flag for flag in flags if flag.state in fail_on]
    if not failing:
        return None
    lines = "\n".join(f"  {f.path}: {f.state}: {f.reason}" for f in failing)
    return f"pages in a state listed in fail_on:\n{lines}"
