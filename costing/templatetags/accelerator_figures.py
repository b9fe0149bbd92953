"""How accelerator figures read on the pages: 989.5 and 3.35 (not 989.50, 3.350), 13,125 grouped."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value) -> str:
    """A stored figure without trailing zeros, thousands grouped; empty for a missing one."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
