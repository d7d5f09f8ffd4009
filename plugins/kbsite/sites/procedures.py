"""The escalation block of a procedure: its tiers (who, how fast, when) at a glance."""

from __future__ import annotations

import html

from kbsite.pages import Page, Tier
from kbsite.reading.owners import Owner


def tiers_of(page: Page) -> list[Tier]:
    """Explicit ``tiers``, else the one step ``escalate_to`` / ``response_time`` describe."""
    if page.meta.tiers:
        return list(page.meta.tiers)
    steps = []
    if page.meta.owner:
        steps.append(Tier(page.meta.owner, None, "First contact: follow this procedure"))
    if page.meta.escalate_to:
        steps.append(Tier(page.meta.escalate_to, page.meta.response_time, "Escalate"))
    return steps


def tiers_html(page: Page, owners: dict[str, Owner], show_contacts: bool) -> str:
    """An admonition with a table: tier number, who, respond within, when to go up."""
    tiers = tiers_of(page)
    if page.meta.type != "procedure" or not tiers:
        return ""
    rows = []
    for number, tier in enumerate(tiers, 1):
        owner = owners.get(tier.owner)
        who = html.escape(owner.name if owner else tier.owner)
        if show_contacts and owner and owner.email:
            email = html.escape(owner.email)
            who += f' <a href="mailto:{email}">{email}</a>'
        within = html.escape(tier.response_time.human()) if tier.response_time else "now"
        rows.append(
            f'<tr data-kb-tier="{number}"><td>{number}</td><td>{who}</td>'
            f"<td><strong>{within}</strong></td><td>{html.escape(tier.when)}</td></tr>"
        )
    return (
        '<div class="admonition abstract kb-tiers">'
        '<p class="admonition-title">Escalation path</p>'
        "<table><thead><tr><th>Tier</th><th>Who</th><th>Responds within</th><th>When</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>\n\n"
    )
