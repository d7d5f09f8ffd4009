"""The escalation block of a procedure: its tiers (who, how fast, when) at a glance.

A card per tier in one ordered list (``assets/kb/kb.css`` lays them side by side on a wide
screen and stacked on a phone), placed under the page title (``sites/layout.py``).
"""

from __future__ import annotations

import html

from kbsite.pages import Page, Tier
from kbsite.reading.owners import Owner
from kbsite.sites.translations import Labels, labels_for

#: ``when`` texts of the tiers made from ``escalate_to`` (translated on the site).
FIRST_STEP = "First contact: follow this procedure"
ESCALATE_STEP = "Escalate"
_STEP_LABELS = {FIRST_STEP: "tiers.first", ESCALATE_STEP: "tiers.escalate"}


def tiers_of(page: Page) -> list[Tier]:
    """Explicit ``tiers``, else the one step ``escalate_to`` / ``response_time`` describe."""
    if page.meta.tiers:
        return list(page.meta.tiers)
    steps = []
    if page.meta.owner:
        steps.append(Tier(page.meta.owner, None, FIRST_STEP))
    if page.meta.escalate_to:
        steps.append(Tier(page.meta.escalate_to, page.meta.response_time, ESCALATE_STEP))
    return steps


def tiers_html(
    page: Page, owners: dict[str, Owner], show_contacts: bool, labels: Labels | None = None
) -> str:
    """An ordered list of tier cards: tier number, who (and, for reps, their e-mail), how fast
    they answer, and when to go to them. One line of HTML, so Markdown keeps it as a block."""
    tiers = tiers_of(page)
    if page.meta.type != "procedure" or not tiers:
        return ""
    labels = labels or labels_for(page.lang)
    cards = []
    for number, tier in enumerate(tiers, 1):
        owner = owners.get(tier.owner)
        who = f"<strong>{html.escape(owner.name if owner else tier.owner)}</strong>"
        if show_contacts and owner and owner.email:
            email = html.escape(owner.email)
            who += f' <a class="kb-tier__contact" href="mailto:{email}">{email}</a>'
        if tier.response_time:
            within = labels("tiers.within", time=labels.duration(tier.response_time))
        else:
            within = labels("tiers.now")
        when = labels(_STEP_LABELS[tier.when]) if tier.when in _STEP_LABELS else tier.when
        cards.append(
            f'<li class="kb-tier" data-kb-tier="{number}">'
            f'<span class="kb-tier__step">{html.escape(labels("tiers.tier", n=number))}</span>'
            f'<span class="kb-tier__who">{who}</span>'
            f'<span class="kb-tier__time">{html.escape(within)}</span>'
            + (f'<span class="kb-tier__when">{html.escape(when)}</span>' if when else "")
            + "</li>"
        )
    title = html.escape(labels("tiers.title"))
    return (
        f'<div class="kb-tiers" role="group" aria-label="{title}">'
        f'<p class="kb-tiers__title">{title}</p>'
        f'<ol class="kb-tiers__list">{"".join(cards)}</ol></div>\n\n'
    )
