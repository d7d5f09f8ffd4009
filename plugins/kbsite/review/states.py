"""The review states of a page (SPEC §5): their order, how the rep site shows them, what a
customer is told about them, and how much they weigh in search ranking. Every other module
reads this one table.

``translation-missing`` is reported on the source page and says nothing about its own text, so
it does not lower the page in search. ``flagged`` comes from readers' votes
(review/feedback.py); what readers say is for its owner, never for the help center.

The help center speaks to customers (SPEC §6): a state is shown there only when it changes what
a customer can rely on, as a short note in the reader's language (a label key of
``sites/translations.yml``, by page type, ``*`` for any type). Review chores (never reviewed,
due soon, a linked page changed, a translation missing) are for owners: only the rep site
shows them, also in the reader's language (``state.<name>`` is a banner's title).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ReviewState:
    name: str
    look: str  # Material admonition type of its banner on the rep site
    title: str  # banner title on the rep site, in English (other languages: ``title_key``)
    weight: float  # search ranking factor: fresh pages above stale ones
    customer: Mapping[str, str] = field(default_factory=dict)  # page type -> note label key

    @property
    def title_key(self) -> str:
        """Label key of its banner title in ``sites/translations.yml`` (``state.<name>``)."""
        return f"state.{self.name}"


#: Most severe first: a page's primary state is the first one it has.
STATES: tuple[ReviewState, ...] = (
    # An expired policy never reaches the help center.
    ReviewState("expired", "danger", "This policy has expired", 0.4),
    # A rep flagged it as outdated, or readers found it unhelpful (SPEC §9): for its owner.
    ReviewState("flagged", "warning", "Flagged by readers", 0.8),
    # A policy under review still applies as published: say so, without owner chores.
    ReviewState("stale", "warning", "Review overdue", 0.7, {"policy": "note.stale.policy"}),
    ReviewState("links-changed", "warning", "A linked policy has changed", 0.85),
    ReviewState(
        "translation-outdated",
        "note",
        "This translation may be out of date",
        0.85,
        {"*": "note.translation-outdated"},
    ),
    ReviewState("due-soon", "note", "Review due soon", 0.97),
    ReviewState(
        "upcoming",
        "info",
        "Not in effect yet",
        0.9,
        {"policy": "note.upcoming.policy", "*": "note.upcoming"},
    ),
    ReviewState("translation-missing", "note", "Translation missing", 1.0),
)
BY_NAME = {state.name: state for state in STATES}
NAMES = tuple(BY_NAME)
OK = "ok"


def severity(name: str) -> int:
    """Position in the severity order (0 is the most severe)."""
    return NAMES.index(name)


def weight(name: str) -> float:
    """Search ranking factor of a page's primary state (``ok``: 1)."""
    state = BY_NAME.get(name)
    return state.weight if state else 1.0


def primary(names: set[str] | frozenset[str]) -> str:
    """``ok``, or the most severe of a page's states."""
    return next((name for name in NAMES if name in names), OK)


def customer_note(name: str, page_type: str) -> str | None:
    """Label key of the note the help center shows for this state on this page type, if any."""
    state = BY_NAME.get(name)
    if state is None:
        return None
    return state.customer.get(page_type) or state.customer.get("*")
