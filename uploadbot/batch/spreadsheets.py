"""Numbered rows of typed cells from XLSX and ODS workbooks, for manifest.py.

Kept apart from the text formats because these are zipped binary formats with their
own libraries (openpyxl, odfpy). Both give cells typed as openpyxl gives them (numbers,
dates, times, booleans, text), so manifest.py reads either format alike; rows are
numbered as the user sees them, from 1.
"""

from __future__ import annotations

import datetime
import re
import xml.sax
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
from odf.namespaces import OFFICENS, TABLENS, TEXTNS
from odf.opendocument import load as load_ods
from odf.table import Table
from openpyxl.utils.exceptions import InvalidFileException

from uploadbot.errors import InputError

from .cells import blank

Line = tuple[int, list[Any]]  # a row's number, as the user sees it, and its cells
_DURATION = re.compile(r'-?P(?:\d+D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?')


def xlsx_lines(path: Path, sheet: str | None) -> list[Line]:
    """The rows of one sheet of an .xlsx workbook (the first unless sheet names one)."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise InputError(f'cannot read the workbook: {error}', path=path) from error
    try:
        worksheet = book[_sheet(path, book.sheetnames, sheet)]
        worksheet.reset_dimensions()  # some writers store wrong ones
        rows = worksheet.iter_rows(values_only=True)
        lines = [(number, list(cells)) for number, cells in enumerate(rows, start=1)]
    finally:
        book.close()
    return lines


def _sheet(path: Path, names: list[str], wanted: str | None) -> str:
    if not names:
        raise InputError('the workbook has no sheets', path=path)
    if wanted is None:
        return names[0]
    if wanted not in names:
        listed = ', '.join(map(repr, names))
        raise InputError(f'there is no sheet {wanted!r}; the sheets are {listed}', path=path)
    return wanted


def ods_lines(path: Path, sheet: str | None) -> Iterator[Line]:
    """The rows of one sheet of an .ods spreadsheet; empty rows are left out but counted."""
    try:
        document = load_ods(str(path))
    except (zipfile.BadZipFile, xml.sax.SAXException, KeyError, ValueError) as error:
        raise InputError(f'cannot read the spreadsheet: {error}', path=path) from error
    tables = document.spreadsheet.getElementsByType(Table) if document.spreadsheet else []
    names = [table.attributes.get((TABLENS, 'name'), '') for table in tables]
    table = tables[names.index(_sheet(path, names, sheet))]
    return _table_lines(table)


def _table_lines(table: Any) -> Iterator[Line]:
    number = 0
    for row in _ods_rows(table):
        repeat = int(row.attributes.get((TABLENS, 'number-rows-repeated'), 1))
        cells = _ods_cells(row)
        if not cells:  # trailing empty rows are often repeated a million times
            number += repeat
            continue
        for _ in range(repeat):
            number += 1
            yield number, cells


def _ods_rows(element: Any) -> Iterator[Any]:
    for child in element.childNodes:
        if child.qname == (TABLENS, 'table-row'):
            yield child
        elif child.qname in (
            (TABLENS, 'table-header-rows'),
            (TABLENS, 'table-rows'),
            (TABLENS, 'table-row-group'),
        ):
            yield from _ods_rows(child)


def _ods_cells(row: Any) -> list[Any]:
    cells: list[Any] = []
    pending = 0  # empty cells not yet added: only needed if a value follows
    for cell in row.childNodes:
        if cell.qname not in ((TABLENS, 'table-cell'), (TABLENS, 'covered-table-cell')):
            continue
        repeat = int(cell.attributes.get((TABLENS, 'number-columns-repeated'), 1))
        value = _ods_value(cell)
        if blank(value):
            pending += repeat
            continue
        cells.extend([None] * pending + [value] * repeat)
        pending = 0
    return cells


def _ods_value(cell: Any) -> Any:
    """The typed value, as openpyxl gives it, so both spreadsheet formats read alike."""
    kind = cell.attributes.get((OFFICENS, 'value-type'))
    typed = {'date': 'date-value', 'time': 'time-value', 'boolean': 'boolean-value'}
    value = cell.attributes.get((OFFICENS, typed.get(kind, 'value')))
    if kind in ('float', 'percentage', 'currency') and value:
        return float(value)
    if kind == 'date' and value:
        moment = datetime.datetime.fromisoformat(value)
        return moment.date() if len(value) <= 10 else moment
    duration = _DURATION.fullmatch(value or '') if kind == 'time' else None
    if duration:  # ISO 8601 duration such as PT10H20M30S
        hours, minutes, seconds = (float(part or 0) for part in duration.groups())
        return datetime.time(int(hours) % 24, int(minutes), int(seconds))
    if kind == 'boolean' and value:
        return value == 'true'
    paragraphs = [p for p in cell.childNodes if p.qname == (TEXTNS, 'p')]
    return '\n'.join(_ods_text(p) for p in paragraphs) if paragraphs else None


def _ods_text(element: Any) -> str:
    parts = []
    for child in element.childNodes:
        if child.nodeType == child.TEXT_NODE:
            parts.append(child.data)
        elif child.qname == (TEXTNS, 's'):
            parts.append(' ' * int(child.attributes.get((TEXTNS, 'c'), 1)))
        elif child.qname == (TEXTNS, 'tab'):
            parts.append('\t')
        elif child.qname == (TEXTNS, 'line-break'):
            parts.append('\n')
        elif child.qname != (OFFICENS, 'annotation'):  # comments on a cell are not its value
            parts.append(_ods_text(child))
    return ''.join(parts)
