"""Content health: counts per state, lists per owner, translation coverage (SPEC §5).

``health_data`` is the JSON written as ``kb-health.json``; ``health_html`` is the rep site's
content-health page made from the same data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from kbsite.knowledge import KnowledgeBase
from kbsite.markdown.slugs import slugify
from kbsite.review import feedback
from kbsite.review.staleness import Flag
from kbsite.settings import STATES
from kbsite.sites.text import heading_html, html_text, mailto_link, unique_anchor

NO_OWNER = "(no owner)"
HEALTH_TITLE = "Content health"


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


def health_html(
    data: dict[str, Any], url_for: Callable[[str], str]
) -> tuple[str, tuple[dict[str, object], ...]]:
    """The content-health page (HTML and table of contents): counts, one table per owner,
    what readers told us, translation coverage. Written as HTML, not Markdown: at 10,000
    pages its tables have thousands of rows, which Python-Markdown took seconds to parse."""
    used: set[str] = set()
    toc: list[dict[str, object]] = []

    def heading(level: int, label: str, name: str | None = None) -> str:
        text = name or label  # a label without markup is its own text
        markup, token = heading_html(level, label, unique_anchor(slugify(text), used), name)
        if level == 2 or not toc:
            toc.append(token)
        else:
            toc[-1]["children"].append(token)  # type: ignore[attr-defined]
        return markup

    parts = [
        f"<h1>{html_text(HEALTH_TITLE)}</h1>",
        f"<p>As of {html_text(data['today'])}: {int(data['flagged_pages'])} of "
        f"{int(data['pages'])} active pages need attention. The same data is in "
        '<a href="../kb-health.json"><code>kb-health.json</code></a>.</p>',
        heading(2, "By state"),
        _table(
            ["state", "pages"],
            [[_code(state), str(int(count))] for state, count in data["counts"].items()],
            right={1},
        ),
        heading(2, "By owner"),
    ]
    for owner in data["owners"]:
        contact = f" — {mailto_link(owner['email'])}" if owner["email"] else ""
        name = f"{owner['name']} ({owner['owner']})" + (f" — {owner['email']}" if contact else "")
        label = f"{html_text(owner['name'])} ({_code(owner['owner'])}){contact}"
        parts.append(heading(3, label, name))
        rows = [
            [
                _link(url_for(item["file"]), item["title"] or item["file"]),
                html_text(item["lang"]),
                _code(item["state"]),
                html_text(item["due"] or "—"),
                html_text(item["days_overdue"]),
                html_text(item["reason"]),
            ]
            for item in owner["items"]
        ]
        headers = ["page", "lang", "state", "due", "days overdue", "why"]
        parts.append(_table(headers, rows, right={4}))
    parts += _readers_html(data.get("readers") or {}, url_for, heading)
    languages = data["translations"]["languages"]
    parts.append(heading(2, "Translation coverage"))
    rows = [
        [_link(url_for(page["file"]), page["title"] or page["file"])]
        + [html_text(_COVERAGE_MARK[page["langs"][lang]]) for lang in languages]
        for page in data["translations"]["pages"]
    ]
    parts.append(_table(["page", *languages], rows))
    return "\n".join(parts), tuple(toc)


def _code(text: object) -> str:
    return f"<code>{html_text(text)}</code>"


def _link(url: str, text: object) -> str:
    return f'<a href="{html_text(url)}">{html_text(text)}</a>'


def _table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A table as Python-Markdown's ``tables`` writes one (cells are HTML already)."""
    right = right or set()

    def cells(tag: str, row: list[str]) -> str:
        return "".join(
            f'<{tag} style="text-align: right;">{cell}</{tag}>' if i in right
            else f"<{tag}>{cell}</{tag}>"
            for i, cell in enumerate(row)
        )  # fmt: skip

    head = cells("th", [html_text(h) for h in headers])
    body = "\n".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _readers_html(
    readers: dict[str, Any], url_for: Callable[[str], str], heading: Callable[..., str]
) -> list[str]:
    """What readers flagged and searched for in vain; their words are escaped, never markup:
    a query or comment cannot add a link, a heading or a script to the page."""
    parts = [heading(2, "What readers told us")]
    flagged = readers.get("flagged") or []
    if flagged:
        rows = [
            [
                _link(url_for(item["file"]), item["title"] or item["file"]),
                html_text(item["lang"]),
                html_text(item["reason"]),
            ]
            for item in flagged
        ]
        parts.append(_table(["page", "lang", "what readers said"], rows))
    else:
        parts.append("<p>No page is flagged by readers.</p>")
    searches = readers.get("searches_without_results") or []
    parts.append(heading(3, "Searches that found nothing"))
    if searches:
        rows = [
            [html_text(s["site"]), html_text(s["lang"]), html_text(s["query"]),
             str(int(s["zero_results"]))]
            for s in searches
        ]  # fmt: skip
        parts.append(_table(["site", "lang", "query", "times"], rows))
    else:
        parts.append(
            "<p>No search without results was logged (searches are logged by "
            "<code>kb serve</code>).</p>"
        )
    return parts
