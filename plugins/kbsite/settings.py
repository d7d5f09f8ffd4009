"""Project settings: the ``kb`` plugin's options, read the same way by the CLI and the plugin.

The CLI reads them from mkdocs.yml without MkDocs; the plugin passes its validated config.
Both go through ``Settings.from_options`` so defaults and rules live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from kbsite.dates import Duration, DurationError, parse_duration
from kbsite.review.states import NAMES as STATES

PAGE_TYPES = ("article", "policy", "procedure")
AUDIENCES = ("public", "internal")

DEFAULT_REVIEW_EVERY = {"policy": "6mo", "procedure": "6mo", "article": "1y"}
DEFAULT_FOLDER_TYPES = {"kb": "article", "policies": "policy"}


class SettingsError(ValueError):
    """An option of the ``kb`` plugin that cannot be used."""


@dataclass(frozen=True)
class Settings:
    content_dirs: tuple[str, ...] = ("kb", "policies")
    owners_file: str = "policies/owners.yml"
    default_language: str = "en"
    languages: tuple[str, ...] = ("en", "it", "tl", "lv", "te")
    review_every: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_REVIEW_EVERY))
    folder_types: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FOLDER_TYPES))
    due_soon: int = 14
    fail_on: tuple[str, ...] = ()
    audience: str = "internal"
    # How the sites present themselves (kbsite.sites.theme and kbsite.sites.translations).
    contact: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Any] = field(default_factory=dict)
    rep_colour: str = "teal"
    rep_search_url: str = "/"
    feedback_url: str | None = None  # where the help center sends votes; None: no widget
    help_center_origin: str | None = None  # the help center's origin, allowed by CORS
    feedback_searches: bool = False  # the help center also sends its searches (batched)
    feedback_retention_days: int = 90  # votes and the search log are deleted after this
    feedback_rate: int = 30  # votes and search batches per client and minute (per process)

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> Settings:
        """Build settings from plugin options, keeping defaults for what is not given."""
        options = dict(options or {})
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for name, value in options.items():
            if name not in known or value is None:
                continue
            if name in ("content_dirs", "languages", "fail_on"):
                value = tuple(str(v) for v in value)
            elif name in ("review_every", "folder_types"):
                value = {**getattr(cls(), name), **{str(k): str(v) for k, v in value.items()}}
            elif name in ("contact", "labels"):
                if not isinstance(value, Mapping):
                    raise SettingsError(f"{name} must be a mapping")
                value = dict(value)
            kwargs[name] = value
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.default_language not in self.languages:
            raise SettingsError(
                f"default_language `{self.default_language}` is not one of languages "
                f"{list(self.languages)}"
            )
        for page_type, value in self.review_every.items():
            if page_type not in PAGE_TYPES:
                raise SettingsError(f"review_every: unknown page type `{page_type}`")
            try:
                parse_duration(value)
            except DurationError as exc:
                raise SettingsError(f"review_every.{page_type}: {exc}") from None
        unknown = [s for s in self.fail_on if s not in STATES]
        if unknown:
            raise SettingsError(f"fail_on: unknown state(s) {unknown}; known: {list(STATES)}")
        if self.audience not in AUDIENCES:
            raise SettingsError(f"audience must be one of {list(AUDIENCES)}")
        if self.due_soon < 0:
            raise SettingsError("due_soon must be zero or more days")
        from kbsite.sites.translations import LabelsError, merged_table

        try:
            merged_table(self.labels)
        except LabelsError as exc:
            raise SettingsError(str(exc)) from None
        if self.feedback_retention_days < 1:
            raise SettingsError("feedback_retention_days must be one or more days")
        if self.feedback_rate < 1:
            raise SettingsError("feedback_rate must be one or more per minute")
        if self.feedback_url is not None and not str(self.feedback_url).startswith(
            ("https://", "http://", "/")
        ):
            raise SettingsError("feedback_url must be an http(s) URL or a path such as `/`")

    def review_interval(self, page_type: str) -> Duration:
        return parse_duration(self.review_every.get(page_type, DEFAULT_REVIEW_EVERY["article"]))

    def type_for_folder(self, folder: str) -> str:
        return self.folder_types.get(folder, "article")
