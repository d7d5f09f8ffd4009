"""The labels the project writes into the sites, in the reader's language.

Material translates its own interface (search box, table of contents, ...). Everything the
``kb`` plugin and its templates add (navigation, category pages, notes, the contact block, the
404 page, the rep site's marks) comes from ``translations.yml`` beside this module, merged with
the KB's own ``labels`` option (same shape: key -> {language: text}). Dates, durations and
language names follow the reader's locale through Babel. No MkDocs import.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from kbsite.dates import Duration

TRANSLATIONS_FILE = Path(__file__).with_name("translations.yml")
DEFAULT_LANGUAGE = "en"

Table = Mapping[str, Mapping[str, Any]]


class LabelsError(ValueError):
    """A ``labels`` option that cannot be used (says which key and why)."""


@functools.cache
def builtin_table() -> Table:
    """The project's own translations (``translations.yml``)."""
    data = yaml.safe_load(TRANSLATIONS_FILE.read_text(encoding="utf-8"))
    return validate_table(data, str(TRANSLATIONS_FILE))


def validate_table(data: object, where: str) -> dict[str, dict[str, Any]]:
    """Check the shape key -> {language: text (or plural forms)}; a clear error otherwise."""
    if not isinstance(data, Mapping):
        raise LabelsError(f"{where}: expected a mapping of label -> {{language: text}}")
    table: dict[str, dict[str, Any]] = {}
    for key, texts in data.items():
        if not isinstance(texts, Mapping):
            raise LabelsError(
                f"{where}: `{key}` must map languages to texts, e.g. `{key}: {{it: ...}}`"
            )
        for lang, text in texts.items():
            if isinstance(text, Mapping):
                if "other" not in text:
                    raise LabelsError(f"{where}: `{key}.{lang}` needs an `other` plural form")
            elif not isinstance(text, str):
                raise LabelsError(f"{where}: `{key}.{lang}` must be text")
        table[str(key)] = {str(lang): text for lang, text in texts.items()}
    return table


def merged_table(extra: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Built-in translations with the KB's ``labels`` option laid over them."""
    table = {key: dict(texts) for key, texts in builtin_table().items()}
    for key, texts in validate_table(extra or {}, "kb plugin option `labels`").items():
        table.setdefault(key, {}).update(texts)
    return table


class _Placeholders(dict[str, object]):
    """Fill the placeholders given; keep the others (``{link}``) for the template."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class Labels:
    """The labels of one language site. ``labels("key", name=value)`` fills placeholders."""

    lang: str
    table: Table
    default_language: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        text = self._text(key)
        if isinstance(text, Mapping):  # plural forms; the caller passes n
            text = text.get(self.plural(values.get("n", 0)), text["other"])
        return str(text).format_map(_Placeholders(values)) if values else str(text)

    def _text(self, key: str) -> Any:
        texts = self.table.get(key)
        if not texts:
            raise KeyError(f"no label `{key}` in {TRANSLATIONS_FILE.name}")
        for lang in (self.lang, self.default_language, DEFAULT_LANGUAGE):
            if lang in texts:
                return texts[lang]
        raise KeyError(f"label `{key}` has no text in `{self.lang}` or the default language")

    def text(self, key: str) -> str | Mapping[str, str]:
        """The unfilled text of ``key`` in this language (else the default's): a string, or
        its plural forms (for a page's script to fill in)."""
        text = self._text(key)
        return dict(text) if isinstance(text, Mapping) else str(text)

    def get(self, key: str, default: str | None = None, **values: object) -> str | None:
        """The label, or ``default`` when neither this language nor the default one has it
        (optional, KB-given labels such as ``site.name``)."""
        try:
            return self(key, **values)
        except KeyError:
            return default

    def has(self, key: str) -> bool:
        """Whether this language has its own text for ``key`` (not the fallback)."""
        return self.lang in self.table.get(key, {})

    def plural(self, n: object) -> str:
        return _locale(self.lang).plural_form(n if isinstance(n, int | float) else 0)

    def date(self, day: dt.date) -> str:
        """A date as this language writes it (``1 marzo 2027``, ``2027. gada 1. marts``); the
        ``date.locale`` label picks a regional form (``en_GB``: ``1 March 2027``) for the
        language it is given for only: never the default language's, which would write the
        other languages' dates in English."""
        regional = self.table.get("date.locale", {}).get(self.lang)
        return format_date(day, "long", locale=_locale(str(regional or self.lang)))

    def duration(self, duration: Duration) -> str:
        """``30 minuti``, ``2 dienas``: a response time in words."""
        return self(f"unit.{duration.unit}", n=duration.amount)

    def language_name(self, code: str) -> str:
        """The name of language ``code`` in this language (``inglese`` on the Italian site)."""
        return _locale(self.lang).languages.get(code) or code

    def docs_title(self, path: str) -> str | None:
        """The menu title of the guide ``docs/<path>.md`` in this language (``docs.<path>``, a
        KB's label), for a guide not translated into it; None without one in this language."""
        key = f"docs.{path}"
        return self(key) if self.has(key) else None

    def folder(self, path: str, fallback: str) -> str:
        """The title of a content folder: ``folder.<path>`` if translated, else ``fallback``."""
        return self.get(f"folder.{path}", fallback) or fallback


def labels_for(
    lang: str, extra: Mapping[str, Any] | None = None, default_language: str = DEFAULT_LANGUAGE
) -> Labels:
    """The labels of one language site, with the KB's own ``labels`` laid over ours."""
    return Labels(lang, merged_table(extra), default_language)


def all_labels(settings: Any) -> dict[str, Labels]:
    """The labels of every configured language, with the KB's ``labels`` option laid over
    ours (raises LabelsError for an option of the wrong shape)."""
    return {
        lang: labels_for(lang, settings.labels, settings.default_language)
        for lang in settings.languages
    }


def untranslated(languages: Iterable[str], table: Table | None = None) -> dict[str, list[str]]:
    """Per language, the keys it has no text for (they fall back to the default language)."""
    table = table if table is not None else builtin_table()
    return {
        lang: sorted(key for key, texts in table.items() if lang not in texts) for lang in languages
    }
