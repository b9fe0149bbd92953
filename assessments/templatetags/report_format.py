"""Template filters for numbers in reports and pages, so both read the same.

``{% load report_format %}`` then ``{{ value|money:currency }}``, ``{{ share|percent }}``,
``{{ month|breakeven }}``, ``{{ option|option_label }}``.
"""

from django import template
from django.utils.safestring import mark_safe

from assessments.reports import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("unit_money", formatting.unit_money)
register.filter("number", formatting.number)
register.filter("quantity", formatting.quantity)
register.filter("percent", formatting.percent)
register.filter("score", formatting.score)
register.filter("months", formatting.months)
register.filter("breakeven", formatting.breakeven)
register.filter("option_label", formatting.option_label)
register.filter("kind_label", formatting.kind_label)
register.filter("setting_label", formatting.setting_label)
register.filter("workload_names", formatting.workload_names)


@register.filter
def setting_value(value, key: str) -> str:
    """``{{ change.old|setting_value:change.name }}``: a setting's value in words."""
    return formatting.setting_value(key, value)


@register.filter
def css_string(value) -> str:
    """A value as a quoted CSS string, safe inside <style> (quotes, backslashes, '<' escaped)."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>&\n\r' or ord(ch) < 32 else ch for ch in str(value or "")
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every character that could end the string is escaped
