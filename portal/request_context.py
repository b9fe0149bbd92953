"""The request being served, for code far from the view (the audit log's actor and address).

A middleware keeps the current request in a context variable for the length of the request, so
services record who acted without every view and serializer passing it down; a forgotten
argument cannot lose an event's actor. Outside a request (tasks, commands) there is none.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

_current: ContextVar[HttpRequest | None] = ContextVar("sovra_request", default=None)


def current_request() -> HttpRequest | None:
    """The request this code runs for, or None in a task, a command or a test without one."""
    return _current.get()


class RequestContextMiddleware:
    """Makes the request reachable through ``current_request()`` while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
