"""The front matter schema (SPEC §3): one rule per field, producing PageMeta and problems."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kbsite.dates import DateError, Duration, DurationError, parse_date, parse_duration
from kbsite.pages import PageMeta, Tier
from kbsite.problems import Problem
from kbsite.settings import AUDIENCES, PAGE_TYPES, Settings

ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
STATUSES = ("draft", "active", "retired")
DATE_FIELDS = ("effective", "expires", "last_reviewed", "updated", "translated_from")
LIST_FIELDS = ("products", "tags", "supersedes")
FIELDS = (
    "id",
    "title",
    "type",
    "owner",
    "audience",
    "status",
    "effective",
    "expires",
    "last_reviewed",
    "review_every",
    "updated",
    "lang",
    "translated_from",
    "products",
    "tags",
    "supersedes",
    "escalate_to",
    "response_time",
    "tiers",
    "description",
    "answer",
)
TIER_KEYS = ("owner", "response_time", "when")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a field's value was written: the page itself or a folder's .meta.yml."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class RawField:
    value: Any
    origin: Origin


class _Invalid(ValueError):
    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest known name, for "did you mean" hints."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], 1, 0.6)
        found = [c for c in choices if found and c.lower() == found[0]]
    return found[0] if found else None


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    match = closest(word, choices)
    return f"did you mean `{match}`?" if match else None


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return f"`{value}`"


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise _Invalid("field-invalid", f"must be text, not {_describe(value)}")
    text = str(value).strip()
    if not text:
        raise _Invalid("field-invalid", "must not be empty")
    return text


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _text(value)
        if text not in choices:
            options = ", ".join(f"`{c}`" for c in choices)
            raise _Invalid(
                "field-invalid", f"`{text}` is not one of {options}", did_you_mean(text, choices)
            )
        return text

    return check


def _identifier(value: Any) -> str:
    text = _text(value)
    if not ID_PATTERN.match(text):
        suggestion = re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")
        hint = "ids are upper case words joined by dashes, like `POL-REFUND`"
        if ID_PATTERN.match(suggestion):
            hint = f"did you mean `{suggestion}`?"
        raise _Invalid("field-invalid", f"`{text}` is not a valid id", hint)
    return text


def _date(value: Any) -> dt.date:
    try:
        return parse_date(value if not isinstance(value, list | dict) else _text(value))
    except DateError as exc:
        raise _Invalid("date-invalid", str(exc), "write a real date as YYYY-MM-DD") from None


def _duration(value: Any) -> Duration:
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise _Invalid(
            "field-invalid", str(exc), "write a number and a unit: 30min, 4h, 2d, 3w, 6mo, 1y"
        ) from None


def _string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(
            "field-invalid",
            f"must be a list, not {_describe(value)}",
            f"write it as a list: [{value}]" if isinstance(value, str) else None,
        )
    items = []
    for item in value:
        if isinstance(item, list | dict | bool) or item is None:
            raise _Invalid("field-invalid", f"list items must be text, not {_describe(item)}")
        items.append(str(item).strip())
    return tuple(items)


def _id_list(value: Any) -> tuple[str, ...]:
    items = _string_list(value)
    for item in items:
        _identifier(item)
    return items


def _tiers(value: Any) -> tuple[Tier, ...]:
    if not isinstance(value, list) or not value:
        raise _Invalid(
            "field-invalid",
            f"must be a list of tiers, not {_describe(value)}",
            "each tier has `owner`, `response_time` and `when`",
        )
    tiers = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise _Invalid(
                "field-invalid",
                f"tier {number} must be a mapping, not {_describe(item)}",
                "give `owner`, `response_time` and `when`",
            )
        unknown = [k for k in item if k not in TIER_KEYS]
        if unknown:
            raise _Invalid(
                "field-invalid",
                f"tier {number}: unknown key `{unknown[0]}`",
                did_you_mean(str(unknown[0]), TIER_KEYS),
            )
        if "owner" not in item:
            raise _Invalid("field-invalid", f"tier {number} has no `owner`")
        response = item.get("response_time")
        tiers.append(
            Tier(
                owner=_text(item["owner"]),
                response_time=_duration(response) if response is not None else None,
                when=str(item.get("when") or "").strip(),
            )
        )
    return tuple(tiers)


RULES: dict[str, Callable[[Any], Any]] = {
    "id": _identifier,
    "title": _text,
    "type": _choice(PAGE_TYPES),
    "owner": _text,
    "audience": _choice(AUDIENCES),
    "status": _choice(STATUSES),
    "review_every": _duration,
    "lang": _text,
    "escalate_to": _text,
    "response_time": _duration,
    "products": _string_list,
    "tags": _string_list,
    "supersedes": _id_list,
    "tiers": _tiers,
    "description": _text,
    "answer": _text,
    **dict.fromkeys(DATE_FIELDS, _date),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "article": ("id", "title"),
    "policy": ("id", "title", "owner", "effective", "last_reviewed"),
    "procedure": ("id", "title", "owner", "last_reviewed", "escalate_to", "response_time"),
}
#: Required once a page is live: a draft has not been reviewed yet, and saying it was would be
#: a claim nobody made (``kb new`` writes drafts without it).
REQUIRED_UNLESS_DRAFT = frozenset({"last_reviewed"})


def required_fields(page_type: str, status: str) -> tuple[str, ...]:
    """The fields a page of this type and status must have."""
    names = REQUIRED[page_type]
    if status == "draft":
        return tuple(name for name in names if name not in REQUIRED_UNLESS_DRAFT)
    return names


def validate(
    path: str,
    raw: dict[str, RawField],
    *,
    default_type: str,
    file_lang: str | None,
    settings: Settings,
    today: dt.date,
) -> tuple[PageMeta, list[Problem]]:
    """Validate merged front matter (page over folder defaults) into PageMeta and problems."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def report(code: str, name: str, message: str, hint: str | None = None) -> None:
        origin = raw[name].origin if name in raw else Origin(path, 1)
        problems.append(Problem(code, origin.file, origin.line, message, name, hint))

    unknown: dict[str, str | None] = {}  # unknown name -> the known field it resembles
    for name, field_ in raw.items():
        rule = RULES.get(name)
        if rule is None:
            unknown[name] = closest(name, FIELDS)
            continue
        try:
            values[name] = rule(field_.value)
        except _Invalid as exc:
            report(
                exc.code,
                name,
                f"`{name}` {exc.message}"
                if not exc.message.startswith("`")
                else f"`{name}`: {exc.message}",
                exc.hint,
            )

    meta = PageMeta(**{k: v for k, v in values.items() if k != "lang"})
    if "type" not in values:
        meta.type = default_type if "type" not in raw else meta.type

    # A misspelled required field is one problem, at the misspelled line, not two.
    misspelled = {guess: name for name, guess in unknown.items() if guess and guess not in raw}
    for name in required_fields(meta.type, values.get("status", "active")):
        if name in raw:
            continue
        if name in misspelled:
            typo = misspelled.pop(name)
            origin = raw[typo].origin
            message = f"`{typo}` is not a field; did you mean `{name}`, which is required?"
            hint = f"rename `{typo}` to `{name}`"
            problems.append(Problem("field-missing", origin.file, origin.line, message, name, hint))
            unknown.pop(typo)
            continue
        article = "an" if meta.type[0] in "aeiou" else "a"
        report(
            "field-missing",
            name,
            f"`{name}` is required for {article} {meta.type}",
            _missing_hint(name),
        )
    for name, guess in unknown.items():
        hint = f"did you mean `{guess}`?" if guess else None
        report("field-unknown", name, f"unknown field `{name}`", hint)

    if "audience" not in raw:
        report(
            "audience-missing",
            "audience",
            "no `audience`: the page is treated as internal",
            "add `audience: public` or `audience: internal`",
        )
        meta.audience = "internal"

    meta.lang = _language(values.get("lang"), file_lang, settings, report)
    meta.review_every = meta.review_every or settings.review_interval(meta.type)
    if meta.updated is None:
        meta.updated = meta.effective or meta.last_reviewed

    if meta.effective and meta.expires and meta.expires <= meta.effective:
        report(
            "date-order",
            "expires",
            f"`expires` ({meta.expires}) must be after `effective` ({meta.effective})",
            "check both dates",
        )
    for name in ("last_reviewed", "updated"):
        day = values.get(name)
        if day is not None and day > today:
            report(
                "date-order",
                name,
                f"`{name}` ({day}) is in the future (today is {today})",
                "use the day the change was actually made",
            )
    return meta, problems


def _language(
    given: str | None,
    file_lang: str | None,
    settings: Settings,
    report: Callable[[str, str, str, str | None], None],
) -> str:
    configured = settings.languages
    if given is not None and given not in configured:
        report(
            "lang-unknown",
            "lang",
            f"language `{given}` is not configured",
            did_you_mean(given, configured) or f"configured: {', '.join(configured)}",
        )
        return file_lang or settings.default_language
    if given and file_lang and given != file_lang:
        report(
            "field-invalid",
            "lang",
            f"`lang: {given}` contradicts the file name, which says `{file_lang}`",
            "remove `lang` or rename the file",
        )
        return file_lang
    return given or file_lang or settings.default_language


def _missing_hint(name: str) -> str:
    examples = {
        "id": "add `id: POL-EXAMPLE` (upper case words joined by dashes)",
        "title": "add `title: ...`",
        "owner": "add `owner:` with a key of policies/owners.yml",
        "effective": "add `effective: YYYY-MM-DD`, the day the rule starts to apply",
        "last_reviewed": "add `last_reviewed: YYYY-MM-DD`, the day of the last review "
        "(a draft may leave it out until it has been reviewed)",
        "escalate_to": "add `escalate_to:` with the owner key of the next tier",
        "response_time": "add `response_time:` such as `4h`",
    }
    return examples.get(name, f"add `{name}:`")
