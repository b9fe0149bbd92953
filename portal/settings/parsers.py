"""Small parsers for settings values that django-environ does not cover."""

from __future__ import annotations

import math

_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse_size_bytes(value: str | int) -> int:
    """Read a size such as ``20MB``, ``512 KB`` or ``1048576`` as bytes (binary multiples)."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError("size must not be negative")
        return value
    text = value.strip().upper().replace(" ", "")
    number = text.rstrip("KMGB")
    unit = text[len(number) :]
    if unit not in _UNITS or not number:
        raise ValueError(f"cannot read {value!r} as a size: use e.g. 20MB, 512KB or bytes")
    try:
        amount = float(number)
    except ValueError as exc:
        raise ValueError(f"cannot read {value!r} as a size: use e.g. 20MB, 512KB or bytes") from exc
    # float() also reads "inf" and "nan", which no size can be.
    if not math.isfinite(amount):
        raise ValueError(f"cannot read {value!r} as a size: use e.g. 20MB, 512KB or bytes")
    if amount < 0:
        raise ValueError("size must not be negative")
    return int(amount * _UNITS[unit])


def parse_seconds(value: str) -> float:
    """Read a duration in seconds such as ``5`` or ``0.5``: finite and above zero."""
    try:
        seconds = float(value)
    except ValueError as exc:
        raise ValueError(f"cannot read {value!r} as seconds: use e.g. 5 or 0.5") from exc
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"cannot read {value!r} as seconds: give a number above 0, e.g. 5")
    return seconds


_RATE_PERIODS = {"second", "minute", "hour", "day"}


def parse_rate(value: str) -> str | None:
    """Check an API rate such as ``600/minute`` (DRF's format) at start-up; empty means no limit.

    DRF only reads a rate at the first request it throttles, so a typo would surface there.
    """
    text = value.strip().lower()
    if not text:
        return None
    count, _, period = text.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise ValueError(
            f"cannot read {value!r} as a rate: use e.g. 600/minute (per second, minute, hour "
            "or day), or leave it empty for no limit"
        )
    return f"{int(count)}/{period}"


def parse_schedule(value: str):
    """A Celery beat schedule: seconds (``86400``) or a five-field crontab (``0 4 * * *``)."""
    from celery.schedules import crontab

    text = value.strip()
    fields = text.split()
    if len(fields) == 5:
        minute, hour, day_of_month, month_of_year, day_of_week = fields
        try:
            return crontab(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
            )
        except ValueError as exc:
            raise ValueError(f"cannot read {value!r} as a crontab: {exc}") from exc
    try:
        return parse_seconds(text)
    except ValueError as exc:
        raise ValueError(
            f"cannot read {value!r} as a schedule: give seconds (86400) or a crontab "
            "('0 4 * * *': minute hour day-of-month month day-of-week)"
        ) from exc


def feed_env_name(source: str) -> str:
    """``skypilot-aws`` -> ``SKYPILOT_AWS``: the part of SOVRA_FEED_<NAME>_URL naming a feed."""
    return source.upper().replace("-", "_")
