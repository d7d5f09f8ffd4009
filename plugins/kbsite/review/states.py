"""The review states of a page (SPEC §5): their order, how the rep site shows them, and how
much they weigh in search ranking. Every other module reads this one table.

``translation-missing`` is reported on the source page and says nothing about its own text, so
it does not lower the page in search. ``flagged`` comes from readers' votes (review/feedback.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReviewState:
    name: str
    look: str  # Material admonition type of its banner on the rep site
    title: str  # banner title on the rep site
    weight: float  # search ranking factor: fresh pages above stale ones
    reps_only: bool = False  # never shown on the help center


#: Most severe first: a page's primary state is the first one it has.
STATES: tuple[ReviewState, ...] = (
    ReviewState("expired", "danger", "This policy has expired", 0.4),
    # A rep flagged it as outdated, or readers found it unhelpful (SPEC §9): what readers say
    # is for its owner, so the help center never shows it.
    ReviewState("flagged", "warning", "Flagged by readers", 0.8, reps_only=True),
    ReviewState("stale", "warning", "Review overdue", 0.7),
    ReviewState("links-changed", "warning", "A linked policy has changed", 0.85),
    ReviewState("translation-outdated", "note", "This translation may be out of date", 0.85),
    ReviewState("due-soon", "note", "Review due soon", 0.97),
    ReviewState("upcoming", "info", "Not in effect yet", 0.9),
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
