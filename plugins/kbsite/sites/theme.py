"""How each built site presents itself: name, colour, fonts and the labels its templates show.

``site_theme`` returns plain data; the MkDocs plugin stores it as ``config.extra.kb`` for the
templates under ``plugins/kbsite/templates/`` (contact block, 404 page, rep-site bar, fallback
notice) and applies the name, palette and fonts. No MkDocs import.

- Fonts are the reader's system fonts: Material's default loads Google Fonts, which would send
  every reader's address to a third party and fail offline.
- The rep site gets its own name, colour and an "Internal" bar linking to rep search and the
  content-health page, so nobody mistakes it for the help center.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kbsite.sites.languages import language_folder
from kbsite.sites.navigation import TYPE_DIR
from kbsite.sites.translations import Labels

#: Keys the templates read from ``kb.t`` (the current language's texts).
TEMPLATE_KEYS = (
    "contact.title",
    "contact.text",
    "contact.email",
    "contact.phone",
    "contact.form",
    "notfound.title",
    "notfound.text",
    "notfound.home",
    "notfound.search",
    "rep.mark",
    "rep.notice",
    "rep.search",
    "nav.health",
    "footer.made-with",
    "fallback.notice",
)
NOT_FOUND_KEYS = ("notfound.title", "notfound.text", "notfound.home", "notfound.search")
HEALTH_URL = "kb-health/"
DEFAULT_REP_COLOUR = "teal"


@dataclass(frozen=True)
class SiteTheme:
    site_name: str
    palette: dict[str, str] | None  # None: keep mkdocs.yml's palette
    extra: dict[str, Any] = field(default_factory=dict)


def contact_details(options: Mapping[str, Any], labels: Labels) -> dict[str, str]:
    """The contact block's data: e-mail, phone (and its ``tel:`` form), form URL, hours."""
    contact = {
        key: str(options[key]).strip() for key in ("email", "phone", "url") if options.get(key)
    }
    if "phone" in contact:
        contact["tel"] = re.sub(r"[^\d+]", "", contact["phone"])
    hours = labels.get("contact.hours")
    if hours:
        contact["hours"] = hours
    return contact


def rep_search_page(url: str, lang: str, default_language: str) -> str:
    """The rep search page of a language site: ``kb serve`` has one per language, the
    default language's at ``url`` (``/``), the others' below it (``/it/``). A ``url`` that is
    not a folder (``…/search.html``, a query) is some other page: every language links to it."""
    return url + language_folder(lang, default_language) if url.endswith("/") else url


def site_theme(
    *,
    audience: str,
    lang: str,
    languages: Iterable[str],
    default_language: str,
    site_name: str,
    labels: Labels,
    all_labels: Mapping[str, Labels],
    contact: Mapping[str, Any],
    top_level: Iterable[str],
    rep_colour: str = DEFAULT_REP_COLOUR,
    rep_search_url: str = "/",
) -> SiteTheme:
    """Name, palette and template data of one (audience, language) site."""
    languages = list(languages)
    name = labels.get("site.name", site_name) or site_name
    internal = audience == "internal"
    if internal:
        name = labels("rep.site-name", site=name)
    up = "" if lang == default_language else "../"
    roots = [
        {
            "lang": code,
            "name": all_labels[code].language_name(code),
            "link": up + ("" if code == default_language else f"{code}/") or "./",
        }
        for code in languages
    ]
    extra: dict[str, Any] = {
        "audience": audience,
        "lang": lang,
        "default_language": default_language,
        "t": {key: labels(key) for key in TEMPLATE_KEYS},
        "contact": contact_details(contact, labels) if not internal else {},
        "roots": roots,
        "top_level": sorted({*languages, *top_level, TYPE_DIR, "assets", "search"}),
        "notfound": {
            code: {key.split(".", 1)[1]: all_labels[code](key) for key in NOT_FOUND_KEYS}
            for code in languages
        },
    }
    if lang == default_language:  # pages other languages fall back to
        extra["fallback"] = {code: all_labels[code]("fallback.notice") for code in languages}
    if internal:
        extra["health_url"] = up + HEALTH_URL
        extra["search_url"] = rep_search_page(rep_search_url, lang, default_language)
    palette = {"primary": rep_colour, "accent": rep_colour} if internal else None
    return SiteTheme(name, palette, extra)
