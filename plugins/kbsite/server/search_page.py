"""The rep search page of ``kb serve`` in each configured language (SPEC §7).

``assets/search.html`` holds ``{{key}}`` placeholders for its words (``search.*``,
``rep.search`` and ``nav.health`` of ``sites/translations.yml``, with the KB's ``labels`` laid
over them) and ``__LABELS__`` for the words its script writes. The default language's page is
served at ``/``, every other language's at ``/<lang>/``; the rep site of a language links to
its own (``sites.theme.rep_search_page``).
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from typing import Any

from kbsite.sites import languages as i18n
from kbsite.sites.history import REP_SITE_ROOT
from kbsite.sites.theme import rep_search_page
from kbsite.sites.translations import Labels, all_labels

PLACEHOLDER = re.compile(r"\{\{([\w.-]+)\}\}")
SCRIPT_PREFIX = "search."  # the labels the page's script reads


def search_pages(settings: Any) -> dict[str, str]:
    """Path -> HTML of the search page of every configured language."""
    labels = all_labels(settings)
    default = settings.default_language
    return {
        rep_search_page("/", lang, default): search_page(
            labels[lang], list(settings.languages), default
        )
        for lang in settings.languages
    }


def search_page(labels: Labels, languages: list[str], default_language: str) -> str:
    """The search page in the language of ``labels``."""
    lang = labels.lang
    values = {
        "lang": lang,
        "site": REP_SITE_ROOT + i18n.language_folder(lang, default_language),
        "prefer": "" if lang == default_language else lang,
    }
    template = files("kbsite").joinpath("assets/search.html").read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        key = match[1]
        return html.escape(values[key] if key in values else labels(key))

    page = PLACEHOLDER.sub(fill, template)
    words = {key: labels.text(key) for key in labels.table if key.startswith(SCRIPT_PREFIX)}
    names = {code: i18n.language_name(code) for code in languages}
    page = page.replace("__LANGUAGES__", ",".join(languages))
    page = page.replace("__LANGUAGE_NAMES__", json.dumps(names).replace("<", "\\u003c"))
    return page.replace("__LABELS__", _script_json(words))


def _script_json(data: object) -> str:
    """JSON inside a <script>: no ``<`` that could close it."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
