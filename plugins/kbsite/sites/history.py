"""A policy's versions for reps: the history table of a page on the rep site, and the page of a
retired version (which no site builds; ``kb serve`` shows it at ``/versions/ID/LANG/``).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

from kbsite.markdown.config import MarkdownConfig
from kbsite.markdown.model import BodyReader, fill_slots
from kbsite.markdown.targets import split_target
from kbsite.pages import Page
from kbsite.sites.languages import language_folder, url_of
from kbsite.sites.translations import Labels
from kbsite.versions import Version, Versions

ARCHIVE_ROOT = "/versions/"
REP_SITE_ROOT = "/internal/"

#: (title, in effect, until today, current, retired, upcoming, this page) per language.
LABELS = {
    "en": ("Versions", "In effect", "today", "current", "retired", "upcoming", "this page"),
    "it": ("Versioni", "In vigore", "oggi", "attuale", "ritirata", "in arrivo", "questa pagina"),
    "tl": (
        "Mga bersyon",
        "Umiiral",
        "ngayon",
        "kasalukuyan",
        "hindi na ginagamit",
        "paparating",
        "ang pahinang ito",
    ),
    "lv": ("Versijas", "Spēkā", "šodien", "pašreizējā", "atcelta", "gaidāma", "šī lapa"),
    "te": (
        "సంస్కరణలు",
        "అమలులో",
        "ఈ రోజు",
        "ప్రస్తుత",
        "రద్దు చేయబడింది",
        "రాబోయే",
        "ఈ పేజీ",
    ),
}


def server_link(version: Version, lang: str, default_language: str) -> str:
    """Where ``kb serve`` shows a version: a retired one at ``/versions/ID/LANG/``, a live one
    on the rep site (in ``lang``'s folder)."""
    if not version.live:
        return f"{ARCHIVE_ROOT}{version.id}/{lang}/"
    prefix = "" if lang == default_language else f"{lang}/"
    return f"{REP_SITE_ROOT}{prefix}{url_of(version.path)}"


def period_text(version: Version, until_today: str = "today") -> str:
    start = version.start.isoformat() if version.start else "…"
    end = version.end.isoformat() if version.end else until_today
    return f"{start} – {end}"


def version_history_html(
    page: Page,
    versions: Versions,
    today: dt.date,
    link: Callable[[Version], str | None],
) -> str:
    """A table of every version of the page's chain, newest first: title and id (linked with
    ``link``, None for no link), in effect from–to, and whether it is this page, the current
    version, retired or upcoming. Empty for a page without other versions."""
    chain = versions.chain(page.meta.id) if page.meta.id else []
    if len(chain) < 2:
        return ""
    title, in_effect, until, current_label, retired, upcoming, this_page = LABELS.get(
        page.meta.lang, LABELS["en"]
    )
    current = versions.current(page.meta.id or "", today)
    rows = []
    for version in reversed(chain):
        name = f"{html.escape(version.title)} <code>{html.escape(version.id)}</code>"
        href = None if version.id == page.meta.id else link(version)
        if href:
            name = f'<a href="{html.escape(href)}">{name}</a>'
        notes = []
        if version.id == page.meta.id:
            notes.append(this_page)
        if current is not None and version.id == current.id:
            notes.append(current_label)
        elif not version.live:
            notes.append(retired)
        elif version.start and version.start > today:
            notes.append(upcoming)
        mark = ' class="kb-version-this"' if version.id == page.meta.id else ""
        rows.append(
            f'<tr data-kb-version="{html.escape(version.id)}"{mark}><td>{name}</td>'
            f"<td>{html.escape(period_text(version, until))}</td>"
            f"<td>{html.escape(', '.join(notes))}</td></tr>"
        )
    return (
        '<div class="admonition abstract kb-versions">'
        f'<p class="admonition-title">{html.escape(title)}</p>'
        f"<table><thead><tr><th></th><th>{html.escape(in_effect)}</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>\n\n"
    )


def archived_page_html(
    fields: dict[str, str],
    markdown_text: str,
    current: tuple[str, str] | None,
    dialect: MarkdownConfig,
    labels: Labels,
    default_language: str,
) -> str:
    """A retired version as a page of its own for reps, in the rep's language (``labels``): a
    banner saying when it applied and which version applies today (``current``: its title and
    link), then its text (marked with its own language when it has no translation in the
    rep's), read by the page model in the project's dialect. Its links to other pages lead to
    the rep site; its menu to the rep search and the rep site of the rep's language."""
    body = BodyReader(dialect).read(markdown_text)
    urls: dict[int, str | None] = {}
    for link in body.outline.links:
        resolved = split_target(link.target, fields["key"]) if link.slot is not None else None
        if link.slot is not None and resolved is not None and resolved[0] is not None:
            path, anchor = resolved
            urls[link.slot] = REP_SITE_ROOT + url_of(path) + (f"#{anchor}" if anchor else "")
    content = fill_slots(body.rendering.html, body.outline.links, urls)
    start = fields.get("start", "")
    end = fields.get("end", "")
    period = labels(
        "search.in-effect",
        **{
            "from": start if start != "0001-01-01" else "…",
            "to": end if end != "9999-12-31" else "…",
        },
    )
    if current:
        link = f'<a href="{html.escape(current[1])}">{html.escape(current[0])}</a>'
        before, _, after = labels("search.today", id="\x00").partition("\x00")
        now = f"{html.escape(before)}{link}{html.escape(after)}."
    else:
        now = html.escape(labels("search.none-today"))
    lang = html.escape(labels.lang)
    text_lang = html.escape(fields["lang"])
    title = html.escape(fields["title"])
    retired = html.escape(labels("search.retired-version"))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="kb-id" content="{html.escape(fields["id"])}">
<meta name="kb-lang" content="{text_lang}">
<title>{title} · {retired}</title>
<style>
body {{ font-family: system-ui, "Noto Sans", "Noto Sans Telugu", sans-serif; color: #1d2433;
       max-width: 820px; margin: 0 auto; padding: 12px 20px; line-height: 1.5; }}
nav a {{ margin-right: 14px; }}
.kb-retired {{ background: #fff3e0; border-left: 4px solid #e65100; padding: 8px 12px; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccd; padding: 4px 8px; }}
</style></head><body>
{_desk_menu(labels, default_language)}
<div class="kb-retired"><strong>{retired}</strong>
(<code>{html.escape(fields["id"])}</code>) · {html.escape(period)}. {now}</div>
<article lang="{text_lang}">{content}</article>
</body></html>"""


def missing_version_html(page_id: str, labels: Labels, default_language: str) -> str:
    """The page of a retired version the index does not have, in the rep's language, with
    the way back to the rep search and the rep site."""
    lang = html.escape(labels.lang)
    text = html.escape(labels("search.no-retired-version", id=page_id))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{text}</title></head><body>
{_desk_menu(labels, default_language)}
<h1>{text}</h1>
</body></html>"""


def _desk_menu(labels: Labels, default_language: str) -> str:
    """The menu of a page ``kb serve`` shows reps: the rep search and the rep site of the
    rep's language."""
    folder = language_folder(labels.lang, default_language)
    return (
        f'<nav class="kb-desk"><a href="/{folder}">{html.escape(labels("rep.search"))}</a>\n'
        f'<a href="{REP_SITE_ROOT}{folder}">{html.escape(labels("search.rep-site"))}</a></nav>'
    )
