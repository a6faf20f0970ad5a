"""From a manifest to upload items, every row checked before any byte is sent.

Bad input must be found before the batch touches the wiki, so the whole
manifest is turned into :class:`~uploadbot.item.UploadItem` objects first:
each row's file is found, its target name checked and its description page
built. Every problem is collected (not just the first), each naming the file,
the row and the column; a row's problem keeps that row from being sent, not
the others (see :mod:`uploadbot.run.problems`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from uploadbot import names
from uploadbot.describe.exif import PhotoFacts, add_location, read_exif
from uploadbot.describe.mediainfo_cells import (
    DEPICTS,
    StructuredData,
    is_structured_column,
    read_cells,
)
from uploadbot.describe.template import DescriptionTemplate
from uploadbot.errors import InputError, Refusal
from uploadbot.item import UploadItem
from uploadbot.policy import Policy

from .formats import KNOWN_COLUMNS, TABULAR
from .manifest import Manifest, Row


@dataclass
class Plan:
    """The items to upload, and the problems that keep rows from it."""

    manifest_path: Path | None = None
    items: list[UploadItem] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    #: Rows refused for some structured-data cells: their other cells are still
    #: checked against the wiki, so one ``-check`` names every bad cell.
    refused: list[UploadItem] = field(default_factory=list)
    rows: dict[int, Row] = field(default_factory=dict)


class Planner:
    """Builds upload items from rows with one template, policy and summary."""

    def __init__(
        self,
        manifest: Manifest,
        *,
        policy: Policy,
        summary: str,
        template: Path | None = None,
        exif: bool = False,
        depicts_property: str = DEPICTS,
        tracking_categories: tuple[str, ...] = (),
    ) -> None:
        self.manifest = manifest
        self.depicts_property = depicts_property
        self.tracking_categories = tuple(tracking_categories)
        self.policy = policy
        self.summary = summary
        self.default_template = template
        self.exif = exif
        self._templates: dict[Path, DescriptionTemplate] = {}
        self._given: dict[Path, DescriptionTemplate] = {}  # by the path as written
        self._folder = str(manifest.folder.resolve())
        self._real_dirs: dict[str, str] = {}  # each folder of the batch resolved once

    def plan(self, on_row: Callable[[], None] | None = None) -> Plan:
        """Every row checked; a batch-wide -template that cannot be read stops it here.

        ``on_row`` is called after each row (progress).
        """
        if self.default_template is not None:
            self._load(self.default_template)
        plan = Plan(manifest_path=self.manifest.path, rows={row.number: row for row in self.manifest.rows})
        targets: dict[str, int] = {}
        # Rows have structured-data cells only if some column holds them: without
        # one, no row's cells need reading (most batches).
        structured_columns = any(
            is_structured_column(column) for column in {*self.manifest.columns, *self.manifest.defaults}
        )
        structured, problems = StructuredData(), []
        for row in self.manifest.rows:
            if on_row is not None:
                on_row()
            if structured_columns or any(map(is_structured_column, row.fields)):
                structured, problems = read_cells(row.fields, depicts_property=self.depicts_property)
                plan.problems += [self._error(row, column, text) for column, text in problems]
            try:
                item, key = self._item(row, structured)
            except InputError as problem:
                plan.problems.append(problem)
                continue
            if problems:
                plan.refused.append(item)
                continue
            if key in targets:
                plan.problems.append(
                    self._error(
                        row,
                        'filename',
                        f'the target {item.filename!r} is also the target of row {targets[key]}',
                    )
                )
                continue
            targets[key] = row.number
            plan.items.append(item)
        plan.problems += self._unused_columns()
        return plan

    def _unused_columns(self) -> list[InputError]:
        """Columns no template reads and the bot does not know: most often a typo."""
        if not self._templates:
            return []
        used = set(KNOWN_COLUMNS).union(*(t.fields for t in self._templates.values()))
        return [
            InputError(
                f'no template has a field {column!r} (fields: '
                f'{", ".join(sorted(used - set(KNOWN_COLUMNS)))})',
                path=self.manifest.path,
                row=1 if self._tabular() else None,
                field=column,
            )
            for column in self.manifest.columns
            if column not in used and not is_structured_column(column) and not self._generated(column)
        ]

    def _generated(self, column: str) -> bool:
        """A column the bot made itself (a folder's ``folder``), not the operator."""
        return column == 'folder' and self.manifest.path.is_dir()

    def _tabular(self) -> bool:
        """Whether the manifest has a header row (row 1) that names the columns."""
        return self.manifest.path.suffix.lower() in TABULAR

    def item(self, row: Row) -> UploadItem:
        """One row as an upload item; :class:`InputError` naming the row otherwise."""
        return self._item(row, StructuredData())[0]

    def _item(self, row: Row, structured: StructuredData) -> tuple[UploadItem, str]:
        """The row's item, and its target's title as the wiki compares titles."""
        url = self._url(row)
        path, size = (None, 0) if url else self._source(row)
        head = None if path is None else self._head(row, path)
        filename = (row.filename or names.derive_filename(row.file)).strip()
        column = 'filename' if row.filename else 'file'
        key, refusals = names.title_and_refusals(filename)
        if refusals:
            raise Refusal(refusals[0], path=self.manifest.path, row=row.number, field=column)
        if head is not None:
            self._check_content(row, head, filename)
        template = self._template(row)
        values, facts = dict(row.fields), PhotoFacts()
        if self.exif and path is not None:
            facts = read_exif(path)
            if not values.get('date') and facts.date:
                values['date'] = facts.date
        text = template.build(values, [*row.categories, *self.tracking_categories], row=row.number)
        if facts.has_place:
            text = add_location(text, facts.latitude, facts.longitude)
        policy = self.policy.for_row(row.policy, row=row.number) if row.policy else self.policy
        return UploadItem(
            row=row.number,
            path=path,
            filename=filename,
            text=text,
            comment=row.summary or self.summary,
            policy=policy,
            source=row.file,
            url=url,
            structured=structured,
            size=size,
        ), key

    def _url(self, row: Row) -> str:
        """The row's URL when its file is one ('' for a local file); malformed ones refused."""
        if not row.file.lower().startswith(('http://', 'https://')):
            return ''
        parts = urlsplit(row.file)
        if not parts.hostname or any(char.isspace() for char in row.file):
            raise self._error(row, 'file', f'{row.file!r} is not a valid URL')
        try:
            parts.port  # noqa: B018 (reading it validates the port)
        except ValueError:
            raise self._error(row, 'file', f'{row.file!r} has an invalid port') from None
        if not parts.path.rstrip('/') and not row.filename:
            raise self._error(row, 'filename', 'the URL names no file: give a filename')
        return row.file

    def _source(self, row: Row) -> tuple[str, int]:
        """The row's file and its size; the file must stay inside the manifest's folder.

        A manifest names files relative to its own folder. Absolute paths,
        ``..`` and symbolic links that lead outside it are refused, so a
        manifest cannot make the bot publish files it was not handed.
        """
        folder = self._folder
        path = self._resolve(os.path.join(folder, row.file))
        if not path.startswith(folder.rstrip(os.sep) + os.sep):
            raise self._error(
                row,
                'file',
                f"{row.file!r} leads outside the manifest's "
                f'folder {folder}; only files inside it are uploaded',
            )
        try:
            found = os.stat(path)
        except OSError:
            found = None
        if found is None or not stat.S_ISREG(found.st_mode):
            raise self._error(row, 'file', f'no such file: {path}')
        return path, found.st_size

    def _resolve(self, joined: str) -> str:
        """``os.path.realpath``, with each folder resolved once rather than once per row."""
        head, tail = os.path.split(joined)
        if tail in ('', '.', '..'):
            return os.path.realpath(joined)
        real_head = self._real_dirs.get(head)
        if real_head is None:
            real_head = self._real_dirs[head] = os.path.realpath(head)
        path = os.path.join(real_head, tail)
        return os.path.realpath(path) if os.path.islink(path) else path

    def _head(self, row: Row, path: str) -> bytes:
        """The file's first bytes, which also proves it readable."""
        try:
            with open(path, 'rb') as source:
                return source.read(4096)
        except OSError as error:
            raise self._error(row, 'file', f'cannot read {path}: {error.strerror}') from None

    def _check_content(self, row: Row, head: bytes, filename: str) -> None:
        """Refuse a file whose bytes say it is not what its name's extension claims."""
        extension = names.extension(filename)
        if names.content_matches_extension(extension, head) is False:
            found = names.detect_content_type(head)
            raise Refusal(
                f'the name ends in .{extension} but the file is '
                f'{found or "something else"}; MediaWiki would refuse it',
                path=self.manifest.path,
                row=row.number,
                field='filename',
            )

    def _template(self, row: Row) -> DescriptionTemplate:
        if not row.template:
            if self.default_template is None:
                raise self._error(
                    row, 'template', 'no description template: give -template:FILE or a template column'
                )
            return self._load(self.default_template)
        path = self.manifest.folder / row.template
        try:
            return self._load(path)
        except InputError as problem:
            raise self._error(row, 'template', f'{path}: {problem.message}') from None

    def _load(self, given: Path) -> DescriptionTemplate:
        """Each template is read and parsed once per batch."""
        if given not in self._given:
            path = given.resolve()
            if path not in self._templates:
                self._templates[path] = DescriptionTemplate.from_file(path)
            self._given[given] = self._templates[path]
        return self._given[given]

    def _error(self, row: Row, column: str, message: str) -> InputError:
        return InputError(message, path=self.manifest.path, row=row.number, field=column)
