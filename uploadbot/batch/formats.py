"""The manifest's formats, each read into its columns, its numbered records and its defaults.

CSV and TSV are decoded and sniffed here, JSON Lines and YAML parsed here
(PyYAML imported only for a YAML manifest),
XLSX and ODS read cell by cell in :mod:`uploadbot.batch.spreadsheets`; what
the records become (rows, defaults, the checks of every cell) is
:mod:`uploadbot.batch.manifest`'s.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from uploadbot.errors import InputError

from .cells import blank, cell_text

KNOWN_COLUMNS = ('file', 'filename', 'policy', 'template', 'categories', 'summary')

#: One line and its ending (\r\n, \r or \n), as csv reads lines from a file opened with newline=''.
_LINE = re.compile(r'[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z')

Records = Iterable[tuple[int, dict[str, Any]]]
_Reader = Callable[[Path, 'str | None'], tuple[list[str], Records, dict]]


def column_name(name: str) -> str:
    """A header's name as the manifest knows it: stripped, a known column in lower case."""
    name = name.strip()
    return name.lower() if name.lower() in KNOWN_COLUMNS else name


def _keyed(path: Path, number: int | None, mapping: Mapping[Any, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in mapping.items():
        name = column_name('' if key is None else str(key))
        if not name or name in record:
            problem = 'a field has no name' if not name else f'the field {name!r} appears twice'
            raise InputError(problem, path=path, row=number)
        record[name] = value
    return record


def _spreadsheets():
    """The XLSX and ODS readers, imported only for such manifests: openpyxl and odfpy
    take longer to load than a CSV batch of small files takes to read."""
    from . import spreadsheets

    return spreadsheets


def _grid(path: Path, lines: Iterable[tuple[int, list[Any]]]) -> tuple[list[str], Records]:
    """Header and records from numbered rows of cells; the first non-empty row is the header.

    The records come as they are read, so a large table is never held twice.
    """
    lines = iter(lines)
    header: list[str] | None = None
    for number, cells in lines:
        if not all(blank(cell) for cell in cells):
            header = _header(path, number, cells)
            break
    if header is None:
        raise InputError('the file is empty: there is no header row', path=path)

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells in lines:
            extra = [i for i, cell in enumerate(cells) if i >= len(header) and not blank(cell)]
            if extra:
                raise InputError(
                    f'column {extra[0] + 1} has a value but no name in the header', path=path, row=number
                )
            yield number, dict(zip(header, cells))

    return header, records()


def _header(path: Path, number: int, cells: list[Any]) -> list[str]:
    names = [column_name(cell_text(cell, path, number, 'header') or '') for cell in cells]
    while names and not names[-1]:
        names.pop()
    for index, name in enumerate(names):
        if not name:
            raise InputError(f'column {index + 1} of the header has no name', path=path, row=number)
        if name in names[:index]:
            raise InputError('the column name appears twice in the header', path=path, row=number, field=name)
    return names


def _decode(path: Path, lines_are_rows: bool) -> str:
    data = path.read_bytes()
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        raise InputError('the file is UTF-16; save it as UTF-8', path=path)
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError as error:
        line = data.count(b'\n', 0, error.start) + 1
        raise InputError(
            f'the file is not UTF-8 (byte offset {error.start}, '
            f'0x{data[error.start]:02x}, on line {line}); save it as UTF-8',
            path=path,
            row=line if lines_are_rows else None,
        ) from error


def _delimiter(text: str) -> str:
    """The header line decides when it holds one candidate; else csv.Sniffer, else ','."""
    header = text.split('\n', 1)[0]
    present = [d for d in ',;\t' if d in header]
    if len(present) == 1:
        return present[0]
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=',;\t').delimiter
    except csv.Error:
        return max(present, key=header.count) if present else ','


def _read_delimited(path: Path, delimiter: str | None) -> tuple[list[str], Records, dict]:
    text = _decode(path, lines_are_rows=True)
    delimiter = delimiter or _delimiter(text)
    # Lines are cut from the text as read (like a file opened with newline=''): an
    # io.StringIO would hold a second, four-bytes-per-character copy of the whole table.
    reader = csv.reader((match.group(0) for match in _LINE.finditer(text)), delimiter=delimiter, strict=True)

    def lines() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except csv.Error as error:
            problem = (
                f'a cell holds more than {csv.field_size_limit()} characters, more '
                'than a description page should'
                if 'field limit' in str(error)
                else f'broken quoting: {error}'
            )
            raise InputError(problem, path=path, row=number + 1) from error

    return (*_grid(path, lines()), {})


def _read_jsonl(path: Path, sheet: str | None) -> tuple[list[str], Records, dict]:
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(_decode(path, lines_are_rows=True).split('\n'), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(
                f'not valid JSON: {error.msg} (column {error.colno})', path=path, row=number
            ) from error
        if not isinstance(item, dict):
            raise InputError('each line must be a JSON object', path=path, row=number)
        records.append((number, _keyed(path, number, item)))
    return _columns(records), records, {}


def _read_yaml(path: Path, sheet: str | None) -> tuple[list[str], Records, dict]:
    import yaml  # only for a YAML manifest: 18 ms and 1.3 MB that other runs need not pay

    try:
        document = yaml.safe_load(_decode(path, lines_are_rows=False))
    except yaml.YAMLError as error:
        mark = getattr(error, 'problem_mark', None) or getattr(error, 'context_mark', None)
        where = f' on line {mark.line + 1}' if mark else ''
        problem = getattr(error, 'problem', None) or str(error)
        raise InputError(f'not valid YAML{where}: {problem}', path=path) from error
    shape = "a YAML manifest is a list of rows, or a mapping with 'rows:' and optionally 'defaults:'"
    file_defaults: Any = {}
    items = document
    if isinstance(document, dict):
        if 'rows' not in document or set(document) - {'rows', 'defaults'}:
            raise InputError(shape, path=path)
        items, file_defaults = document['rows'], document.get('defaults') or {}
    if not isinstance(items, list) or not isinstance(file_defaults, dict):
        raise InputError(shape, path=path)
    records: list[tuple[int, dict[str, Any]]] = []
    for number, item in enumerate(items, start=1):
        if item is None:
            continue
        if not isinstance(item, dict):
            raise InputError('each row must be a mapping of fields', path=path, row=number)
        records.append((number, _keyed(path, number, item)))
    return _columns(records), records, _keyed(path, None, file_defaults)


def _columns(records: Records) -> list[str]:
    return list(dict.fromkeys(key for _, record in records for key in record))


_GRIDS: Mapping[str, _Reader] = {
    '.csv': lambda path, sheet: _read_delimited(path, None),
    '.tsv': lambda path, sheet: _read_delimited(path, '\t'),
    '.tab': lambda path, sheet: _read_delimited(path, '\t'),
    '.xlsx': lambda path, sheet: (*_grid(path, _spreadsheets().xlsx_lines(path, sheet)), {}),
    '.ods': lambda path, sheet: (*_grid(path, _spreadsheets().ods_lines(path, sheet)), {}),
}
READERS: Mapping[str, _Reader] = MappingProxyType(
    {
        **_GRIDS,
        '.jsonl': _read_jsonl,
        '.ndjson': _read_jsonl,
        '.yaml': _read_yaml,
        '.yml': _read_yaml,
    }
)

#: The formats whose row 1 is a header that names the columns.
TABULAR = frozenset(_GRIDS)
