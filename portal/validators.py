"""Validators shared by the inventory's forms, API and imports."""

import re
import unicodedata

from django.core.exceptions import ValidationError

FORMULA_PREFIXES = ("=",)


def validate_no_formula(value: str) -> None:
    """Refuse text that a spreadsheet would run as a formula when the data is exported."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        raise ValidationError(
            "Starts with '=' like a spreadsheet formula; remove the '=' or paste the value.",
            code="formula",
        )


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_no_control_chars(value: str) -> None:
    """Refuse NUL and other control characters (tabs and line breaks allowed)."""
    if isinstance(value, str) and _CONTROL_CHARS.search(value):
        raise ValidationError(
            "Contains control characters (such as NUL); remove them.", code="control_chars"
        )


# Control characters, and the Unicode line and paragraph separators that str.splitlines breaks on.
_NOT_IN_ONE_LINE = frozenset({"Cc", "Zl", "Zp"})


def validate_single_line(value: str) -> None:
    """Refuse line breaks, tabs and every other control character.

    For names that travel into one-line places such as an e-mail's Subject header, where a
    line break makes sending fail (and could inject headers).
    """
    if isinstance(value, str) and any(
        unicodedata.category(char) in _NOT_IN_ONE_LINE for char in value
    ):
        raise ValidationError(
            "Must be a single line: remove line breaks, tabs and other control characters.",
            code="single_line",
        )


MAX_TAGS = 20
MAX_TAG_LENGTH = 40


def validate_tags(value) -> None:
    """Tags are a list of up to 20 short labels."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValidationError("Give tags as a list of text labels.", code="invalid")
    if len(value) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags; {len(value)} given.", code="max_tags")
    for tag in value:
        if not tag.strip() or len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                f"Each tag has 1 to {MAX_TAG_LENGTH} characters; {tag[:50]!r} has {len(tag)}.",
                code="tag_length",
            )
        validate_no_formula(tag)
        validate_no_control_chars(tag)
