"""Streams the cells of one XLSX sheet, sparse, with every size checked before it is inflated.

openpyxl's read-only mode pads each row to the sheet's declared width and yields every missing
row up to the last one: a 1.5 KB file declaring ``A1:XFD1048576`` kept a worker busy for the
whole request timeout, and its cell objects made reading about half as fast as here. This
reader keeps only the cells a row really has (``{column: value}``, 1-based), numbers rows as
the file does, and lets the caller stop at any row; values are what openpyxl gives with
``data_only=False`` (a formula is its text with ``=``), dates aside: no inventory column is one.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

# A parser that never fetches, never expands entities and refuses huge text nodes.
_PARSE = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}
_OFFICE_DOCUMENT = "/officeDocument"
_SHARED_STRINGS = "/sharedStrings"


class XlsxError(ValueError):
    """The workbook cannot be read; the message says why, in words for the user."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    path: str
    declared_max_row: int | None
    declared_range: str | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """``{id: (type, resolved target)}`` of a part's relationships."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    if rels_path not in archive.NameToInfo:
        return {}
    with archive.open(rels_path) as source:
        root = etree.parse(source, etree.XMLParser(**_PARSE)).getroot()
    out = {}
    for rel in root:
        target = rel.get("Target", "")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return out


def _workbook_part(archive: zipfile.ZipFile) -> str:
    for rel_type, target in _rels(archive, "").values():
        if rel_type.endswith(_OFFICE_DOCUMENT):
            return target
    return "xl/workbook.xml"


def _declared(archive: zipfile.ZipFile, path: str) -> tuple[int | None, str | None]:
    """The sheet's ``<dimension ref>`` and its last row, read before any row."""
    with archive.open(path) as source:
        for _event, element in etree.iterparse(
            source, events=("start",), tag=("{*}dimension", "{*}sheetData"), **_PARSE
        ):
            if _local(element.tag) != "dimension":
                return None, None
            ref = element.get("ref", "")
            last = ref.split(":")[-1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$").lstrip("$")
            return (int(last) if last.isdigit() else None), ref or None
    return None, None


def choose_sheet(archive: zipfile.ZipFile, preferred: str) -> SheetInfo:
    """The sheet named ``preferred``, else the first one."""
    workbook = _workbook_part(archive)
    if workbook not in archive.NameToInfo:
        raise XlsxError("The file is not a readable XLSX workbook (it has no workbook part).")
    rels = _rels(archive, workbook)
    with archive.open(workbook) as source:
        root = etree.parse(source, etree.XMLParser(**_PARSE)).getroot()
    sheets = []
    for sheet in root.iter("{*}sheet"):
        rel_id = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), "")
        target = rels.get(rel_id, ("", ""))[1]
        if target in archive.NameToInfo:
            sheets.append((sheet.get("name", ""), target))
    if not sheets:
        raise XlsxError("The workbook has no worksheet.")
    name, path = next((s for s in sheets if s[0] == preferred), sheets[0])
    max_row, ref = _declared(archive, path)
    return SheetInfo(name=name, path=path, declared_max_row=max_row, declared_range=ref)


def _text(element) -> str:
    """The text of a string item, its phonetic hints (``rPh``) left out."""
    return "".join(t.text or "" for t in element.iter("{*}t") if _local(t.getparent().tag) != "rPh")


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    workbook = _workbook_part(archive)
    path = next(
        (t for kind, t in _rels(archive, workbook).values() if kind.endswith(_SHARED_STRINGS)),
        None,
    )
    if path is None or path not in archive.NameToInfo:
        return []
    strings = []
    with archive.open(path) as source:
        for _event, item in etree.iterparse(source, tag="{*}si", **_PARSE):
            strings.append(_text(item))
            item.clear(keep_tail=False)
    return strings


def _column(reference: str) -> int:
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif char != "$":
            break
    return number


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _value(cell, strings: list[str], ns: str) -> Any:
    kind = cell.get("t", "n")
    formula = value = None
    for child in cell:
        tag = child.tag
        if tag == ns + "v":
            value = child.text
        elif tag == ns + "f":
            formula = child.text or ""
        elif tag == ns + "is":
            if len(child) == 1 and child[0].tag == ns + "t":
                return child[0].text or ""  # the usual plain inline string, without a walk
            return _text(child)
    if formula is not None:
        return "=" + formula  # as openpyxl gives it with data_only=False; imports refuse it
    if value is None:
        return None
    if kind == "s":
        index = int(value)
        if not 0 <= index < len(strings):
            raise XlsxError(f"Cell {cell.get('r', '?')} points at a missing shared string.")
        return strings[index]
    if kind == "b":
        return value.strip() == "1"
    if kind in ("str", "e", "d", "inlineStr"):
        return value
    return _number(value)


def iter_cells(source: IO[bytes], strings: list[str]) -> Iterator[tuple[int, dict[int, Any]]]:
    """``(row number, {column: value})`` for each row the sheet stores, empty cells left out."""
    row_number = 0
    try:
        for _event, row in etree.iterparse(source, tag="{*}row", **_PARSE):
            reference = row.get("r")
            row_number = int(reference) if reference else row_number + 1
            ns = row.tag[: row.tag.find("}") + 1]  # transitional or strict, as the file says
            cells: dict[int, Any] = {}
            column = 0
            for cell in row:
                if cell.tag != ns + "c":
                    continue
                reference = cell.get("r")
                column = _column(reference) if reference else column + 1
                value = _value(cell, strings, ns)
                if value is not None and value != "":
                    cells[column] = value
            # Drop what was read, so memory stays flat however long the sheet is.
            row.clear(keep_tail=False)
            parent = row.getparent()
            while parent is not None and row.getprevious() is not None:
                del parent[0]
            yield row_number, cells
    except (etree.XMLSyntaxError, ValueError) as exc:
        if isinstance(exc, XlsxError):
            raise
        raise XlsxError(f"The sheet is not readable XML after row {row_number:,}.") from exc
