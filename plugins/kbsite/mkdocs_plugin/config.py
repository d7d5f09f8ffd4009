"""Typed options of the ``kb`` MkDocs plugin; defaults come from the engine's Settings."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from kbsite.settings import AUDIENCES, STATES, Settings

_DEFAULTS = Settings()


class KBConfig(base.Config):
    content_dirs = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.content_dirs))
    """Folders, relative to mkdocs.yml, mounted into the site at the same path."""
    owners_file = c.Type(str, default=_DEFAULTS.owners_file)
    default_language = c.Type(str, default=_DEFAULTS.default_language)
    languages = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.languages))
    review_every = c.DictOfItems(c.Type(str), default=dict(_DEFAULTS.review_every))
    """Review interval per page type, e.g. ``policy: 6mo``."""
    folder_types = c.DictOfItems(c.Type(str), default=dict(_DEFAULTS.folder_types))
    due_soon = c.Type(int, default=_DEFAULTS.due_soon)
    """Days before a review is due when a page is flagged ``due-soon``."""
    fail_on = c.ListOfItems(c.Choice(STATES), default=[])
    """Staleness states that fail the build, e.g. ``[expired]``."""
    audience = c.Choice(AUDIENCES, default=_DEFAULTS.audience)
    """Which site this build is: ``public`` (help center) or ``internal`` (rep site)."""
    language = c.Optional(c.Type(str))
    """The language of this build (``kb build`` sets it per language). Unset: a preview that
    shows every language's pages at their own paths (``mkdocs serve``)."""
    feedback_url = c.Optional(c.Type(str))
    """Where the help center sends "Was this helpful?" votes (the `kb serve` URL); unset: the
    help center has no feedback widget. The rep site always sends them to its own server."""
    help_center_origin = c.Optional(c.Type(str))
    """The help center's origin (``https://help.example.com``), the only one CORS allows."""
    feedback_searches = c.Type(bool, default=False)
    """The help center also sends what readers search for (batched) to ``feedback_url``."""
    feedback_retention_days = c.Type(int, default=_DEFAULTS.feedback_retention_days)
    feedback_rate = c.Type(int, default=_DEFAULTS.feedback_rate)
    """Votes (and search batches) accepted per client and minute, per server process."""
    navigation = c.Type(bool, default=True)
    """Generate the category navigation (folder and type index pages) unless mkdocs.yml has
    its own ``nav``."""
    # -- presentation (issue 15): see kbsite.sites.theme and kbsite.sites.translations ----
    contact = c.DictOfItems(c.Type(str), default={})
    """The help center's "Still need help?" block: ``email``, ``phone``, ``url`` (a contact
    form); opening hours per language go in ``labels`` as ``contact.hours``."""
    labels = c.Type(dict, default={})
    """The KB's own words per language over the built-in translations: ``key: {it: text}``,
    e.g. ``site.name``, ``contact.hours``, ``folder.kb/billing``."""
    rep_colour = c.Type(str, default="teal")
    """Material primary colour of the rep site (the help center keeps the theme's)."""
    rep_search_url = c.Type(str, default="/")
    """Where the rep site's bar links to rep search (``/`` is `kb serve`'s search page)."""
