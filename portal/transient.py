"""Errors a retry may cure: the database or the broker went away for a moment."""

from __future__ import annotations


def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError

        errors.append(RedisConnectionError)
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(errors)


TRANSIENT_ERRORS = _transient_errors()
