"""Structured data checked against the wiki before anything is sent.

A batch whose rows carry captions, depicts or statements needs a wiki that
keeps MediaInfo entities (WikibaseMediaInfo, or ``-mediainfo`` for one that
does not say so in its siteinfo), caption languages the wiki knows, and
properties and items that exist on its item repository — Wikidata for
Commons, which pywikibot knows as the site's data repository; a wiki with
its own Wikibase is its own repository. The properties' datatypes decide how
each cell becomes a value. Every problem names its row and column; what is
learned here (the datatypes) goes to the upload tasks as
:class:`~uploadbot.upload.mediainfo_edit.DataSettings`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pywikibot

from uploadbot.api import facts, wikibase
from uploadbot.api.answers import WikiError
from uploadbot.api.retry import GaveUp
from uploadbot.api.transfer import SiteTransfer
from uploadbot.describe.mediainfo_cells import unknown_languages
from uploadbot.describe.mediainfo_merge import TypedStatement, merge, typed
from uploadbot.describe.mediainfo_values import WIKIDATA_ENTITY
from uploadbot.errors import InputError
from uploadbot.item import UploadItem
from uploadbot.upload.mediainfo_edit import DataSettings

EXTENSION = 'WikibaseMediaInfo'


def has_mediainfo(site: pywikibot.site.APISite) -> bool:
    """Whether the wiki says (siteinfo ``extensions``) that it keeps MediaInfo entities."""
    return EXTENSION in facts.extensions(site)


def prepare(
    items: Sequence[UploadItem],
    site: pywikibot.site.APISite,
    *,
    manifest: Path | None,
    forced: bool,
    replace_captions: bool,
    tags: tuple[str, ...],
    new_transfer: Callable[..., SiteTransfer],
) -> tuple[DataSettings | None, list[InputError]]:
    """The batch's structured-data settings and every structured-data cell that is wrong."""
    rows = [item for item in items if item.structured]
    if not rows:
        return None, []

    def problem(item: UploadItem, column: str, text: str) -> InputError:
        return InputError(text, path=manifest, row=item.row, field=column)

    if not forced and not has_mediainfo(site):
        return None, [
            problem(
                item,
                _first_column(item),
                f'{site} keeps no structured data '
                f'({EXTENSION} is not installed), so captions, depicts and '
                'statements cannot be stored; leave these columns empty (or '
                'give -mediainfo if the wiki has it)',
            )
            for item in rows
        ]
    problems: list[InputError] = []
    known = {entry['code'] for entry in site.siteinfo.get('languages') or []}
    repo_site = site.data_repository() or site
    repo = new_transfer() if repo_site is site else SiteTransfer(repo_site, assert_user=False)
    found = wikibase.repository_entities(
        repo, {s.property for item in rows for s in item.structured.statements}
    )
    datatypes = {key: value['datatype'] for key, value in found.items() if 'datatype' in value}
    concept_base = _concept_base(repo_site)
    typed_rows: list[tuple[UploadItem, list[TypedStatement]]] = []
    for item in rows:
        problems += [
            problem(item, column, text) for column, text in unknown_languages(item.structured, known)
        ]
        statements, wrong = typed(item.structured, datatypes, concept_base=concept_base)
        problems += [problem(item, column, text) for column, text in wrong]
        problems += [
            problem(
                item, s.column, f'{s.property}: the wiki knows no language {s.value["value"]["language"]!r}'
            )
            for s in statements
            if s.value['type'] == 'monolingualtext' and s.value['value']['language'] not in known
        ]
        typed_rows.append((item, statements))
    referenced = {
        _referenced_entity(s.value, concept_base) for _, statements in typed_rows for s in statements
    } - {None}
    existing = wikibase.repository_entities(repo, referenced) if referenced else {}
    for item, statements in typed_rows:
        for statement in statements:
            entity = _referenced_entity(statement.value, concept_base)
            if entity is not None and entity not in existing:
                problems.append(problem(item, statement.column, f'{entity} does not exist on {repo_site}'))
    settings = DataSettings(
        datatypes=datatypes, concept_base=concept_base, replace_captions=replace_captions, tags=tags
    )
    return settings, problems


def check_lines(items: Iterable[UploadItem], wiki: SiteTransfer, settings: DataSettings | None) -> list[str]:
    """Per row, the captions and statements a run would add (``-check``).

    For a file already on the wiki its entity is read, so the line says what
    the edit would add to it and which captions it would leave as they are.
    """
    lines = []
    for item in items:
        if not item.structured:
            continue
        where = f'row {item.row}: structured data'
        statements, problems = (
            ([], ['no settings'])
            if settings is None
            else typed(item.structured, settings.datatypes, concept_base=settings.concept_base)
        )
        if problems:  # reported above; say what the row asks
            lines.append(f'{where}: {item.structured.describe()}')
            continue
        try:
            page = wikibase.file_page(wiki, f'File:{item.filename}')
            current = wikibase.entity(wiki, page[0]) if page else None
        except (WikiError, GaveUp) as error:
            lines.append(f'{where}: {item.structured.describe()} (the entity could not be read: {error})')
            continue
        edit = merge(current, item.structured, statements, replace_captions=settings.replace_captions)
        text = '; '.join(edit.added) if edit.added else 'nothing to add'
        if page:
            text += f' (to {page[0]}, which the file has already)'
        lines += [f'{where}: {text}'] + [f'  {note}' for note in edit.kept]
    return lines


def _concept_base(repo_site: Any) -> str:
    try:
        return repo_site.siteinfo.get('wikibase-conceptbaseuri') or WIKIDATA_ENTITY
    except (KeyError, pywikibot.exceptions.Error):
        return WIKIDATA_ENTITY


def _referenced_entity(value: dict[str, Any], concept_base: str) -> str | None:
    """The repository entity a value names (an item or property, or a quantity's unit)."""
    if value['type'] == 'wikibase-entityid':
        return value['value']['id']
    if value['type'] == 'quantity' and value['value']['unit'] != '1':
        return value['value']['unit'].removeprefix(concept_base)
    return None


def _first_column(item: UploadItem) -> str:
    data = item.structured
    return data.captions[0].column if data.captions else data.statements[0].column
