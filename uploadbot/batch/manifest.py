"""Manifests: the table of files to upload, read alike from CSV, TSV, XLSX, ODS,
JSON Lines, YAML or a plain directory, so the rest of the bot never cares which.

The same table gives the same rows in every format:

* row numbers are the ones the user sees: in CSV, TSV, XLSX and ODS the header is row 1
  (so the first data row is 2), in JSON Lines the line number, in YAML the item number;
  empty rows are skipped but still counted;
* values are strings stripped of surrounding space; an empty value counts as absent, so
  a default can fill it; numbers read as numbers lose a zero fraction (3.0 -> "3"),
  dates become "2021-05-04" (with a time: "2021-05-04 10:20:30"), booleans "true"/"false";
  in YAML and JSON, ``categories`` may also be a list;
* header names are stripped, and the known columns match in any case ("File" is "file").

Defaults, weakest first: the YAML batch file's ``defaults:``, then the caller's
``defaults`` (the command line's -field:NAME=VALUE), then the row's own values.

Whether the files exist is checked elsewhere; so is everything about their content.
The XLSX and ODS cells are read in spreadsheets.py, JSON Lines and YAML in records.py.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from uploadbot.errors import InputError

from .cells import blank, cell_text
from .records import KNOWN_COLUMNS as KNOWN_COLUMNS
from .records import column, decode, read_jsonl, read_yaml

#: One line and its ending (\r\n, \r or \n), as csv reads lines from a file opened with newline=''.
_LINE = re.compile(r'[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z')

_Records = Iterable[tuple[int, dict[str, Any]]]
_Reader = Callable[[Path, 'str | None'], tuple[list[str], _Records, dict]]


def _field(name: str) -> property:
    def get(row: Row) -> str:
        return row.fields.get(name, '')

    return property(get, doc=f"The {name!r} field; '' when absent.")


@dataclass(frozen=True, slots=True)
class Row:
    """One file to upload, with every field as text."""

    number: int
    fields: Mapping[str, str]
    file = _field('file')
    filename = _field('filename')
    policy = _field('policy')
    template = _field('template')
    summary = _field('summary')

    @property
    def categories(self) -> list[str]:
        """The ';'-separated categories, which a single cell can hold in every format."""
        names = self.fields.get('categories', '').split(';')
        return [name.strip() for name in names if name.strip()]


class Fields(Mapping[str, str]):
    """A row's fields, read-only: the names shared by every row, the values its own.

    A dict per row would cost twice as much; a batch of 100,000 rows keeps
    all its rows while it is planned.
    """

    __slots__ = ('_places', '_values')

    def __init__(self, places: Mapping[str, int], values: tuple[str | None, ...]) -> None:
        self._places, self._values = places, values

    def __getitem__(self, name: str) -> str:
        place = self._places.get(name)
        value = None if place is None or place >= len(self._values) else self._values[place]
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default: str | None = None) -> str | None:
        place = self._places.get(name)
        if place is not None and place < len(self._values):
            value = self._values[place]
            if value is not None:
                return value
        return default

    def __iter__(self) -> Iterator[str]:
        values = self._values
        return (
            name for name, place in self._places.items() if place < len(values) and values[place] is not None
        )

    def __len__(self) -> int:
        return sum(value is not None for value in self._values)

    def __repr__(self) -> str:
        return repr(dict(self))


class _Places(dict):
    """Names to places in a row's values, shared by the rows of one manifest."""

    def fields(self, values: Mapping[str, str]) -> Fields:
        for name in values:
            self.setdefault(name, len(self))
        row: list[str | None] = [None] * len(self)
        for name, value in values.items():
            row[self[name]] = value
        return Fields(self, tuple(row))


@dataclass(frozen=True)
class Manifest:
    path: Path
    rows: list[Row]
    defaults: Mapping[str, str]
    columns: tuple[str, ...]

    @property
    def folder(self) -> Path:
        """Where relative paths in the 'file' column start from."""
        return self.path if self.path.is_dir() else self.path.parent


def read_manifest(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    defaults: Mapping[str, str] | None = None,
    recursive: bool = False,
) -> Manifest:
    """Read a manifest in the format its extension names (a directory lists its files)."""
    path = Path(path)
    suffix = '/' if path.is_dir() else path.suffix.lower()
    if sheet is not None and suffix not in ('.xlsx', '.ods'):
        kind = 'a folder' if suffix == '/' else f'a {suffix or "plain"} file'
        raise InputError(
            f'-sheet: chooses a sheet of an .xlsx or .ods file; this manifest is {kind}, which has none',
            path=path,
        )
    if suffix == '/':
        return read_directory(path, defaults=defaults, recursive=recursive)
    if recursive:
        raise InputError(
            '-recursive: reads the subfolders of a folder manifest; this manifest is a file', path=path
        )
    reader = _READERS.get(suffix)
    if reader is None:
        known = ', '.join(sorted(_READERS))
        raise InputError(f'unknown manifest type {suffix or "(none)"!r}; use one of {known}', path=path)
    try:
        columns, records, file_defaults = reader(path, sheet)
        return _finish(path, columns, records, file_defaults, defaults or {})
    except OSError as error:
        raise InputError(f'cannot read the file: {error.strerror or error}', path=path) from error


def read_directory(
    path: str | os.PathLike[str], *, defaults: Mapping[str, str] | None = None, recursive: bool = False
) -> Manifest:
    """Every visible regular file of one folder, sorted by name.

    With ``recursive`` the subfolders too (those whose names begin with a dot
    are left out, like such files); each row's ``folder`` field is its
    subfolder relative to ``path`` ('' at the top), for templates to use.
    """
    path = Path(path)
    try:
        found = _visible_files(path, recursive)
    except OSError as error:
        raise InputError(f'cannot list the folder: {error.strerror or error}', path=path) from error
    records = [
        (number, {'file': name, 'folder': folder} if recursive else {'file': name})
        for number, (folder, name) in enumerate(found, start=1)
    ]
    columns = ('file', 'folder') if recursive else ('file',)
    return _finish(path, columns, records, {}, defaults or {})


def _visible_files(path: Path, recursive: bool) -> list[tuple[str, str]]:
    """(subfolder, relative path) of each file; subfolders' files after the folder's own."""
    entries = sorted(path.iterdir(), key=lambda entry: entry.name)
    files = [('', entry.name) for entry in entries if not entry.name.startswith('.') and entry.is_file()]
    if not recursive:
        return files
    for entry in entries:
        if entry.name.startswith('.') or entry.is_symlink() or not entry.is_dir():
            continue
        for folder, name in _visible_files(entry, True):
            sub = f'{entry.name}/{folder}'.rstrip('/')
            files.append((sub, f'{entry.name}/{name}'))
    return files


def _finish(
    path: Path,
    columns: Iterable[str],
    records: _Records,
    file_defaults: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> Manifest:
    merged: dict[str, str] = {}
    for source in (file_defaults, defaults):
        for key, value in source.items():
            text = cell_text(value, path, None, str(key))
            if text is not None:
                merged[column(str(key))] = text
    columns = tuple(columns)
    if 'file' not in columns:
        raise InputError("there is no 'file' column", path=path, field='file')
    rows, places = [], _Places()
    for number, record in records:
        fields = {}
        for key, value in record.items():
            text = cell_text(value, path, number, key)
            if text is not None:
                fields[key] = text
        if not fields:
            continue
        fields = {**merged, **fields}
        if not fields.get('file'):
            raise InputError('the file is missing', path=path, row=number, field='file')
        rows.append(Row(number, places.fields(fields)))
    if not rows:
        raise InputError('the manifest has no rows', path=path)
    return Manifest(path, rows, MappingProxyType(merged), columns)


def _spreadsheets():
    """The XLSX and ODS readers, imported only for such manifests: openpyxl and odfpy
    take longer to load than a CSV batch of small files takes to read."""
    from . import spreadsheets

    return spreadsheets


def _grid(path: Path, lines: Iterable[tuple[int, list[Any]]]) -> tuple[list[str], _Records]:
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
    names = [column(cell_text(cell, path, number, 'header') or '') for cell in cells]
    while names and not names[-1]:
        names.pop()
    for index, name in enumerate(names):
        if not name:
            raise InputError(f'column {index + 1} of the header has no name', path=path, row=number)
        if name in names[:index]:
            raise InputError('the column name appears twice in the header', path=path, row=number, field=name)
    return names


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


def _read_delimited(path: Path, delimiter: str | None) -> tuple[list[str], _Records, dict]:
    text = decode(path, lines_are_rows=True)
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


_GRIDS: Mapping[str, _Reader] = {
    '.csv': lambda path, sheet: _read_delimited(path, None),
    '.tsv': lambda path, sheet: _read_delimited(path, '\t'),
    '.tab': lambda path, sheet: _read_delimited(path, '\t'),
    '.xlsx': lambda path, sheet: (*_grid(path, _spreadsheets().xlsx_lines(path, sheet)), {}),
    '.ods': lambda path, sheet: (*_grid(path, _spreadsheets().ods_lines(path, sheet)), {}),
}
_READERS: Mapping[str, _Reader] = MappingProxyType(
    {
        **_GRIDS,
        '.jsonl': read_jsonl,
        '.ndjson': read_jsonl,
        '.yaml': read_yaml,
        '.yml': read_yaml,
    }
)

#: The formats whose row 1 is a header that names the columns.
TABULAR = frozenset(_GRIDS)
