"""Dates, durations and "today": the calendar arithmetic of review cycles.

Logic never asks the clock itself: ``resolve_today`` is the one place that reads the system date,
and only when neither ``--today`` nor ``KB_TODAY`` names a day.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_UNITS = {
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mo": "months",
    "mos": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "yrs": "years",
    "year": "years",
    "years": "years",
}
_DURATION = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")
_SHORT = {"minutes": "min", "hours": "h", "days": "d", "weeks": "w", "months": "mo", "years": "y"}


class DateError(ValueError):
    """A value that is not a real ISO date; the message says why."""


class DurationError(ValueError):
    """A value that is not a duration such as ``6mo`` or ``90 days``."""


def parse_date(value: object) -> dt.date:
    """Parse a strict ``YYYY-MM-DD`` that names a real day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not _ISO_DATE.match(text):
        raise DateError(f"`{text}` is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise DateError(f"`{text}` is not a real date ({exc})") from None


@dataclass(frozen=True, slots=True)
class Duration:
    """A review interval or response time: an amount of one calendar unit."""

    amount: int
    unit: str  # minutes, hours, days, weeks, months or years

    def __str__(self) -> str:
        return f"{self.amount}{_SHORT[self.unit]}"

    @property
    def delta(self) -> relativedelta:
        return relativedelta(**{self.unit: self.amount})

    def after(self, day: dt.date) -> dt.date:
        """The day this duration after ``day`` (calendar months: 31 Aug + 6mo = 28/29 Feb)."""
        return day + self.delta

    @property
    def minutes(self) -> float:
        """Approximate length in minutes, for comparing and ordering durations."""
        per = {
            "minutes": 1,
            "hours": 60,
            "days": 1440,
            "weeks": 10080,
            "months": 43830,
            "years": 525960,
        }
        return self.amount * per[self.unit]

    def human(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


def parse_duration(value: object) -> Duration:
    """Parse ``30min``, ``4h``, ``2d``, ``3w``, ``6mo``, ``1y`` or ``90 days``; zero is refused."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DurationError(f"`{value}` is not a duration")
    match = _DURATION.match(str(value).lower())
    unit = _UNITS.get(match.group(2)) if match else None
    if not match or unit is None:
        raise DurationError(f"`{value}` is not a duration")
    amount = int(match.group(1))
    if amount <= 0:
        raise DurationError(f"`{value}` is zero; a duration must be longer than that")
    return Duration(amount, unit)


def resolve_today(option: str | dt.date | None = None) -> dt.date:
    """Today from ``--today``, else ``KB_TODAY``, else the system date."""
    if isinstance(option, dt.date):
        return option
    if option:
        return parse_date(option)
    env = os.environ.get("KB_TODAY", "").strip()
    if env:
        try:
            return parse_date(env)
        except DateError as exc:
            raise DateError(f"KB_TODAY: {exc}") from None
    return dt.date.today()
