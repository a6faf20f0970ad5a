"""Manifests whose rows are records, not a grid: JSON Lines and YAML (and what every
format shares: the known column names, and the text of a manifest file).

The YAML reader imports PyYAML only when a YAML manifest is read; a CSV batch
never pays for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from uploadbot.errors import InputError

Records = Iterable[tuple[int, dict[str, Any]]]

KNOWN_COLUMNS = ('file', 'filename', 'policy', 'template', 'categories', 'summary')


def column(name: str) -> str:
    """A header or key as the bot names it: the known columns match in any case."""
    name = name.strip()
    return name.lower() if name.lower() in KNOWN_COLUMNS else name


def keyed(path: Path, number: int | None, mapping: Mapping[Any, Any]) -> dict[str, Any]:
    """A record's fields by column name; a nameless or repeated field is the user's mistake."""
    record: dict[str, Any] = {}
    for key, value in mapping.items():
        name = column('' if key is None else str(key))
        if not name or name in record:
            problem = 'a field has no name' if not name else f'the field {name!r} appears twice'
            raise InputError(problem, path=path, row=number)
        record[name] = value
    return record


def decode(path: Path, lines_are_rows: bool) -> str:
    """The manifest's text; a file that is not UTF-8 is refused with where it goes wrong."""
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


def read_jsonl(path: Path, sheet: str | None) -> tuple[list[str], Records, dict]:
    """JSON Lines: one object per line, numbered by its line (blank lines count)."""
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(decode(path, lines_are_rows=True).split('\n'), start=1):
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
        records.append((number, keyed(path, number, item)))
    return columns(records), records, {}


def read_yaml(path: Path, sheet: str | None) -> tuple[list[str], Records, dict]:
    """YAML: a list of rows, or ``rows:`` with the batch's own ``defaults:``."""
    import yaml  # only for a YAML manifest: 18 ms and 1.3 MB that other runs need not pay

    try:
        document = yaml.safe_load(decode(path, lines_are_rows=False))
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
        records.append((number, keyed(path, number, item)))
    return columns(records), records, keyed(path, None, file_defaults)


def columns(records: Records) -> list[str]:
    """Every field some record has, in the order they first appear."""
    return list(dict.fromkeys(key for _, record in records for key in record))
