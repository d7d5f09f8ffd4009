"""Retired versions, which no site builds, as pages of their own at ``/versions/ID/LANG/``."""

from __future__ import annotations

from typing import Any

from kbsite.search.engine import lookup
from kbsite.sites.history import REP_SITE_ROOT, archived_page_html, missing_version_html
from kbsite.sites.translations import Labels, labels_for


def archived_html(searcher: Any, page_id: str, lang: str) -> str | None:
    """The page of the retired version ``page_id`` in ``lang`` (else in any language it has),
    from the search index; None when there is no such retired version. Runs in the search
    thread, like searches."""
    engine = searcher.engine
    docs = [engine.stored(d) for d in lookup.with_value(engine, "id", page_id, lookup.RETIRED)]
    fields = next((f for f in docs if f["lang"] == lang), docs[0] if docs else None)
    if fields is None or not fields.get("archive"):
        return None
    settings = searcher.project.settings
    reader = lang if lang in settings.languages else fields["lang"]  # the rep's language
    current = None
    if fields.get("current_id"):
        live = [
            engine.stored(d)
            for d in lookup.with_value(engine, "id", fields["current_id"], lookup.LIVE)
        ]
        ranked = sorted(live, key=lambda f: (f["lang"] != reader, f["lang"] != fields["lang"]))
        now = ranked[0] if ranked else None
        if now is not None:
            current = (f"{now['title']} ({now['id']})", REP_SITE_ROOT + now["url"])
    return archived_page_html(
        fields,
        fields["archive"],
        current,
        searcher.project.markdown,
        _labels(settings, reader),
        settings.default_language,
    )


def missing_html(project: Any, page_id: str, lang: str) -> str:
    """The 404 page of ``/versions/ID/LANG/`` in ``lang`` (the default language if it is
    not one of the KB's)."""
    settings = project.settings
    reader = lang if lang in settings.languages else settings.default_language
    return missing_version_html(page_id, _labels(settings, reader), settings.default_language)


def _labels(settings: Any, lang: str) -> Labels:
    """The labels of the rep's language, with the KB's own over ours."""
    return labels_for(lang, settings.labels, settings.default_language)
