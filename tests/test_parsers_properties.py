"""Property tests: the parsers never fail with anything but their own, reportable errors."""

from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kbsite.dates import DateError, DurationError, parse_date, parse_duration
from kbsite.markdown.slugs import slugify
from kbsite.reading.frontmatter import FrontMatterMissing, parse
from kbsite.reading.yamlload import YamlProblem


@given(st.text())
def test_front_matter_parse_raises_only_reportable_errors(body: str) -> None:
    """Any text yields front matter, FrontMatterMissing, or a YamlProblem with a valid line."""
    text = "---\n" + body
    try:
        parse(text)
    except FrontMatterMissing:
        raise AssertionError("text starting with --- has front matter") from None
    except YamlProblem as exc:
        assert 1 <= exc.line <= text.count("\n") + 1


@given(st.text(max_size=30))
def test_duration_parser_total(value: str) -> None:
    """parse_duration returns a positive duration or raises DurationError, nothing else."""
    with contextlib.suppress(DurationError):
        assert parse_duration(value).amount > 0


@given(st.dates())
def test_date_round_trip(day: dt.date) -> None:
    """Every real date in ISO form parses back to itself."""
    assert parse_date(day.isoformat()) == day


@given(st.text(max_size=12))
def test_date_parser_total(value: str) -> None:
    """parse_date returns a date or raises DateError, nothing else."""
    with contextlib.suppress(DateError):
        parse_date(value)


@given(st.text())
def test_slugify_idempotent_and_clean(value: str) -> None:
    """Slugs are stable under re-slugifying and hold no whitespace."""
    slug = slugify(value)
    assert slugify(slug) == slug
    assert not any(ch.isspace() for ch in slug)
