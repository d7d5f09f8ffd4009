"""A small KB for the rep's desk: a three-version returns policy chain, translations with short
answers, multi-word synonyms, a page with a table, and internal and public pages."""

from __future__ import annotations

from conftest import page

RETURNS_BODY = """\
# Returns

Every order can be sent back, and how long you have depends on the day you bought it.

## Time limit

A customer may return an opened device within **{days} days** of delivery for a full refund.

| case | what happens |
|---|---|
| Unopened box | refund of the price and the delivery |
| Opened box | refund of the price |

## Asking for it

1. Take the order number.
2. Send the free label by e-mail.
"""

DESK_KB = {
    "mkdocs.yml": None,  # written by the fixture with a site_url (the help center's address)
    "synonyms.yml": (
        "en:\n  - [refund, money back]\ntl:\n  - [refund, ibalik ang bayad]\n"
        "te:\n  - [రీఫండ్, వాపసు]\n"
    ),
    "policies/returns-2022.md": page(
        RETURNS_BODY.format(days="seven"),
        id="POL-RETURNS-2022",
        title="Returns (2022 rules)",
        owner="billing-team",
        audience="public",
        status="retired",
        effective="2022-01-01",
        last_reviewed="2023-06-01",
        answer="Opened devices come back within seven days of delivery.",
    ),
    "policies/returns-2024.md": page(
        RETURNS_BODY.format(days="fourteen"),
        id="POL-RETURNS-2024",
        title="Returns (2024 rules)",
        owner="billing-team",
        audience="public",
        status="retired",
        effective="2024-03-01",
        last_reviewed="2025-06-01",
        supersedes=["POL-RETURNS-2022"],
        answer="Opened devices come back within fourteen days of delivery.",
    ),
    "policies/returns.md": page(
        RETURNS_BODY.format(days="thirty"),
        id="POL-RETURNS",
        title="Returns",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        supersedes=["POL-RETURNS-2024"],
        answer="Opened devices come back within thirty days of delivery, for a full refund.",
    ),
    "policies/returns.it.md": page(
        "# Resi\n\n## Tempi\n\nUn cliente può restituire un dispositivo aperto entro trenta "
        "giorni dalla consegna per un rimborso completo.\n",
        id="POL-RETURNS",
        title="Resi",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        translated_from="2026-10-01",
        answer="I dispositivi aperti si restituiscono entro trenta giorni dalla consegna.",
    ),
    "policies/returns.tl.md": page(
        "# Pagbabalik\n\n## Refund\n\nPuwedeng humingi ng refund ang customer sa loob ng "
        "tatlumpung araw. Ibabalik namin ang inyong bayad sa card. Ibalik ang bayad sa loob "
        "ng limang araw. Refund ang tawag dito, at refund ang sagot sa refund.\n",
        id="POL-RETURNS",
        title="Pagbabalik ng device",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        translated_from="2026-10-01",
    ),
    "policies/returns.te.md": page(
        "# రీఫండ్\n\nముప్పై రోజుల్లో రీఫండ్ అడగవచ్చు.\n",
        id="POL-RETURNS",
        title="రీఫండ్ విధానం",
        owner="billing-team",
        audience="public",
        effective="2026-01-01",
        last_reviewed="2026-10-01",
        translated_from="2026-10-01",
    ),
    "policies/goodwill.md": page(
        "# Goodwill credit\n\n## Limits\n\nA rep may give money back as a credit of up to "
        "10 EUR after a second late delivery. We bring the box back to the depot.\n",
        id="POL-GOODWILL",
        title="Goodwill credit",
        owner="billing-team",
        audience="internal",
        effective="2025-01-01",
        last_reviewed="2026-10-01",
        answer="Up to 10 EUR of credit after a second late delivery.",
    ),
    "kb/hub/reset.md": page(
        "# Reset the hub\n\nHold the button for ten seconds. The light turns white, and the "
        'money back guarantee does not change.\n\n!!! internal "Rep note"\n'
        "    After a third reset, offer a free replacement hub.\n",
        id="KB-HUB-RESET",
        title="Reset the hub",
        audience="public",
        last_reviewed="2026-10-01",
    ),
}
