"""Reading the shipped CSV files cell by cell, with an error naming file, line and field."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class RowError:
    """A cell that could not be read: the row is not loaded, and the load is refused."""

    file: str
    line: int
    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.field}: {self.message} (got {self.value!r})"


class Row:
    """One CSV record; its readers return clean values and record an error per bad cell."""

    def __init__(self, file: str, line: int, raw: dict[str, str], errors: list[RowError]):
        self.file = file
        self.line = line
        self.raw = raw
        self._errors = errors
        self.ok = True

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.line}"

    def error(self, field: str, message: str) -> None:
        self.ok = False
        self._errors.append(RowError(self.file, self.line, field, message, self.raw.get(field, "")))

    def text(self, field: str, *, required: bool = False) -> str:
        value = (self.raw.get(field) or "").strip()
        if required and not value:
            self.error(field, "required")
        return value

    def decimal(
        self,
        field: str,
        *,
        required: bool = False,
        positive: bool = False,
        non_negative: bool = False,
        places: int = 6,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        text = self.text(field, required=required)
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(field, "not a number")
            return None
        if not value.is_finite():
            self.error(field, "not a finite number")
            return None
        if positive and value <= 0:
            # A missing price is an empty cell; 0 would be priced as free.
            self.error(field, "must be above 0 (leave the cell empty when it is missing)")
            return None
        if non_negative and value < 0:
            self.error(field, "must not be negative")
            return None
        if maximum is not None and value > maximum:
            self.error(field, f"must be at most {maximum}")
            return None
        if -value.as_tuple().exponent > places:
            self.error(field, f"more than {places} decimal places")
            return None
        return value

    def integer(self, field: str, *, required: bool = False, positive: bool = True) -> int | None:
        text = self.text(field, required=required)
        if not text:
            return None
        if not re.fullmatch(r"\d+", text):
            self.error(field, "not a whole number")
            return None
        value = int(text)
        if positive and value <= 0:
            self.error(field, "must be above 0")
            return None
        return value

    def date(self, field: str, *, required: bool = False) -> tuple[date | None, str]:
        """(date, as published): ISO days parse, 'YYYY-MM' is its first day, prose stays text."""
        text = self.text(field, required=required)
        try:
            if _ISO_DATE.match(text):
                return date.fromisoformat(text), text
            month = _ISO_MONTH.match(text)
            if month:
                return date(int(month[1]), int(month[2]), 1), text
        except ValueError:
            self.error(field, "not a valid date")
            return None, text
        if required:
            self.error(field, "not an ISO date (YYYY-MM-DD)")
        return None, text

    def currency(self, field: str, *, required: bool = False) -> str:
        text = self.text(field, required=required)
        if text and not _CURRENCY.match(text):
            self.error(field, "not an ISO 4217 currency code")
            return ""
        return text

    def choice(self, field: str, mapping: dict[str, str]) -> str:
        text = self.text(field).lower()
        if text not in mapping:
            allowed = ", ".join(repr(key) for key in mapping)
            self.error(field, f"expected one of {allowed}")
            return ""
        return mapping[text]


def read_rows(path: Path, columns: tuple[str, ...], errors: list[RowError]) -> Iterator[Row]:
    """Every record of ``path`` with the line it starts on; a wrong header is an error."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        missing = [column for column in columns if column not in header]
        if missing:
            errors.append(RowError(path.name, 1, ",".join(missing), "missing column(s)"))
            return
        previous_end = 1
        for raw in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if None in raw:
                errors.append(RowError(path.name, line, "*", "more cells than columns"))
                continue
            yield Row(path.name, line, raw, errors)


def count_records(path: Path) -> int:
    """Records in a CSV file (quoted line breaks do not count as records)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))
