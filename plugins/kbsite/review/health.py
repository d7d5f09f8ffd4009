"""Content health: counts per state, lists per owner, translation coverage (SPEC §5).

``health_data`` is the JSON written as ``kb-health.json``; ``health_markdown`` is the rep site's
content-health page made from the same data.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from kbsite.knowledge import KnowledgeBase
from kbsite.review import feedback
from kbsite.review.staleness import Flag
from kbsite.settings import STATES
from kbsite.sites.text import html_text, link_target, mailto_link, markdown_text

NO_OWNER = "(no owner)"


def health_data(kb: KnowledgeBase, flags: list[Flag]) -> dict[str, Any]:
    languages = list(kb.project.settings.languages)
    counts = Counter(flag.state for flag in flags)
    by_owner: dict[str, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_owner[flag.owner or NO_OWNER].append(flag)
    owners = []
    for key in sorted(by_owner, key=lambda k: (k == NO_OWNER, k)):
        owner = kb.owners.get(key)
        owners.append(
            {
                "owner": key,
                "name": owner.name if owner else key,
                "email": owner.email if owner else None,
                "counts": dict(Counter(f.state for f in by_owner[key])),
                "items": [f.to_dict() for f in by_owner[key]],
            }
        )
    outdated = {(f.path, f.lang) for f in flags if f.state == "translation-outdated"}
    coverage = []
    for page in sorted(kb.pages, key=lambda p: p.path):
        if not page.parsed or page.is_translation or page.meta.status != "active":
            continue
        translations = kb.translations_of(page)
        langs = {}
        for lang in languages:
            if lang == page.lang:
                langs[lang] = "source"
            elif lang not in translations:
                langs[lang] = "missing"
            else:
                langs[lang] = "outdated" if (translations[lang].path, lang) in outdated else "ok"
        coverage.append(
            {
                "id": page.meta.id,
                "file": page.path,
                "title": page.meta.title,
                "type": page.meta.type,
                "langs": langs,
            }
        )
    active = [p for p in kb.pages if p.parsed and p.meta.status == "active"]
    return {
        "today": kb.today.isoformat(),
        "pages": len(active),
        "flagged_pages": len({f.path for f in flags}),
        "counts": {state: counts.get(state, 0) for state in STATES},
        "owners": owners,
        "translations": {"languages": languages, "pages": coverage},
        "readers": {
            "flagged": [f.to_dict() for f in flags if f.state == "flagged"],
            "searches_without_results": searches_without_results(kb),
        },
    }


def searches_without_results(kb: KnowledgeBase, per_group: int = 10) -> list[dict[str, Any]]:
    """The most frequent searches that found nothing, per language and site (SPEC §9)."""
    store = feedback.open_for_reading(kb.project)
    if store is None:
        return []
    try:
        start = feedback.retention_start(kb.today, kb.project.settings.feedback_retention_days)
        return store.zero_results(start, per_group)
    except feedback.StoreError:
        return []
    finally:
        store.close()


_COVERAGE_MARK = {
    "source": "source",
    "ok": "✓ ok",
    "outdated": "⚠ outdated",
    "missing": "✗ missing",
}


def health_markdown(data: dict[str, Any], url_for: Callable[[str], str]) -> str:
    """The content-health page: counts, one table per owner, translation coverage matrix."""
    lines = [
        "# Content health",
        "",
        f"As of {data['today']}: {data['flagged_pages']} of {data['pages']} active pages "
        "need attention. The same data is in "
        '<a href="../kb-health.json"><code>kb-health.json</code></a>.',
        "",
        "## By state",
        "",
        "| state | pages |",
        "|---|---:|",
    ]
    lines += [f"| `{state}` | {count} |" for state, count in data["counts"].items()]
    lines += ["", "## By owner", ""]
    for owner in data["owners"]:
        contact = f" — {mailto_link(owner['email'])}" if owner["email"] else ""
        lines += [
            f"### {markdown_text(owner['name'])} (<code>{html_text(owner['owner'])}</code>)"
            f"{contact}",
            "",
            "| page | lang | state | due | days overdue | why |",
            "|---|---|---|---|---:|---|",
        ]
        for item in owner["items"]:
            title = markdown_text(item["title"] or item["file"])
            lines.append(
                f"| [{title}]({link_target(url_for(item['file']))}) | "
                f"{markdown_text(item['lang'])} | `{item['state']}` | {item['due'] or '—'} | "
                f"{item['days_overdue']} | {markdown_text(item['reason'])} |"
            )
        lines.append("")
    lines += _readers_markdown(data.get("readers") or {}, url_for)
    languages = data["translations"]["languages"]
    lines += [
        "## Translation coverage",
        "",
        "| page | " + " | ".join(languages) + " |",
        "|---|" + "---|" * len(languages),
    ]
    for page in data["translations"]["pages"]:
        title = markdown_text(page["title"] or page["file"])
        marks = " | ".join(_COVERAGE_MARK[page["langs"][lang]] for lang in languages)
        lines.append(f"| [{title}]({link_target(url_for(page['file']))}) | {marks} |")
    return "\n".join(lines) + "\n"


def _readers_markdown(readers: dict[str, Any], url_for: Callable[[str], str]) -> list[str]:
    """What readers flagged and searched for in vain. Their words are escaped HTML, never
    Markdown: a query or comment cannot add a link, a heading or a script to the page."""
    lines = ["## What readers told us", ""]
    flagged = readers.get("flagged") or []
    if flagged:
        rows = "".join(
            f'<tr><td><a href="{html.escape(url_for(item["file"]))}">'
            f"{html.escape(item['title'] or item['file'])}</a></td>"
            f"<td>{html.escape(item['lang'])}</td><td>{html.escape(item['reason'])}</td></tr>"
            for item in flagged
        )
        lines += [
            "<table><thead><tr><th>page</th><th>lang</th>"
            f"<th>what readers said</th></tr></thead><tbody>{rows}</tbody></table>",
            "",
        ]
    else:
        lines += ["No page is flagged by readers.", ""]
    searches = readers.get("searches_without_results") or []
    lines += ["### Searches that found nothing", ""]
    if searches:
        rows = "".join(
            f"<tr><td>{html.escape(s['site'])}</td><td>{html.escape(s['lang'])}</td>"
            f"<td>{html.escape(s['query'])}</td><td>{int(s['zero_results'])}</td></tr>"
            for s in searches
        )
        lines += [
            "<table><thead><tr><th>site</th><th>lang</th>"
            f"<th>query</th><th>times</th></tr></thead><tbody>{rows}</tbody></table>",
            "",
        ]
    else:
        lines += ["No search without results was logged (searches are logged by `kb serve`).", ""]
    return lines
