"""Which page each language's site shows at each path, and the links between languages.

Every language gets its own build (its own client-side search). A translation is served at its
source's path, so a link to ``refunds.md`` means "refunds in this site's language". A page with
no translation stays in the default-language site, and other languages link to it with a
visible notice instead of rendering thousands of copies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kbsite.markdown.targets import url_of
from kbsite.pages import Page

__all__ = ["url_of"]  # pages' URLs are defined with link targets (kbsite.markdown.targets)

LANGUAGE_NAMES = {
    "en": "English",
    "it": "Italiano",
    "tl": "Tagalog",
    "lv": "Latviešu",
    "te": "తెలుగు",
}

FALLBACK_PARAM = "kb-from"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def source_uri(page: Page) -> str:
    """The path a page is served at in its language's site: translations take the source's."""
    return page.source_path or page.path


def language_folder(lang: str, default_language: str) -> str:
    """The folder of a language under a site root or the rep search page: ``""`` for the
    default language, ``it/`` for the others."""
    return "" if lang == default_language else f"{lang}/"


@dataclass(frozen=True)
class LanguageSite:
    """The pages of one (audience, language) build, by the path they are served at."""

    lang: str
    default_language: str
    pages: dict[str, Page]  # served path -> page (in this language)
    fallback: dict[str, Page]  # served path -> default-language page not translated here

    @property
    def prefix(self) -> str:
        """The folder of this language under the site root ('' for the default language)."""
        return language_folder(self.lang, self.default_language)


def plan_language_site(
    pages: list[Page],
    lang: str,
    default_language: str,
    visible: Callable[[Page, dt.date], bool],
    today: dt.date,
) -> LanguageSite:
    """Choose the pages of one language's site: its own pages, else the default's as fallback."""
    own: dict[str, Page] = {}
    default: dict[str, Page] = {}
    for page in pages:
        if not visible(page, today):
            continue
        uri = source_uri(page)
        if page.lang == lang:
            own[uri] = page
        elif page.lang == default_language and not page.is_translation:
            default[uri] = page
    fallback = {uri: page for uri, page in default.items() if uri not in own}
    return LanguageSite(lang, default_language, own, fallback)


def relative_url(from_url: str, to_url: str) -> str:
    """Relative link between two directory URLs (``''`` is the site root); ``to_url`` may also
    be a file's path (``kb/a/img.png``). Both are normalised paths from the site root (no
    ``.`` or ``..`` parts), so this is plain list work (``posixpath.relpath`` costs ~20 µs,
    and a site has tens of thousands of links)."""
    here = [part for part in from_url.split("/") if part]
    there = [part for part in to_url.split("/") if part]
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    if not parts:
        return "./"
    rel = "/".join(parts)
    return rel + "/" if to_url.endswith("/") or not to_url else rel
