"""Structured data from manifest cells: captions, depicts and other statements.

Every file on a wiki with WikibaseMediaInfo (Commons) is also a MediaInfo
entity, ``M`` + its page id, holding captions (labels, one per language) and
statements. A row asks for them in its own columns:

* ``caption.LANG`` — the caption in language ``LANG`` (at most 250 characters);
* ``depicts`` — ``;``-separated item ids (``Q42;Q146``), statements of P180
  (or of the property ``-depicts-property:`` names);
* ``statement.PNNN`` — ``;``-separated values of property ``PNNN``, written as
  its datatype wants them (see :mod:`uploadbot.describe.mediainfo_values`);
* ``captions`` — ``replace`` or ``keep``: whether a caption already on the
  file in another wording gives way to the row's.

This module reads the cells (what can be checked without the wiki); the
values become Wikibase JSON once the properties' datatypes are known, and
:mod:`uploadbot.describe.mediainfo_merge` merges them with what the file has.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from uploadbot.mediainfo_types import Caption, Statement, StructuredData
from uploadbot.option_table import default

#: The longest caption Commons stores (MediaInfo's label limit).
CAPTION_LIMIT = 250

#: The property of ``depicts`` on Commons (and Wikidata): ``-depicts-property:``'s default.
DEPICTS: str = default('depicts_property')

CAPTION_PREFIX = 'caption.'
STATEMENT_PREFIX = 'statement.'
DEPICTS_COLUMN = 'depicts'
CAPTIONS_COLUMN = 'captions'

_LANGUAGE = re.compile(r'^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$')
PROPERTY_ID = re.compile(r'^P[1-9]\d*$')
ITEM_ID = re.compile(r'^Q[1-9]\d*$')


#: A problem with one cell: the column and what is wrong.
Problem = tuple[str, str]


def is_structured_column(column: str) -> bool:
    """Whether the bot itself reads ``column`` (so no template needs to)."""
    lowered = column.lower()
    return lowered.startswith((CAPTION_PREFIX, STATEMENT_PREFIX)) or lowered in (
        DEPICTS_COLUMN,
        CAPTIONS_COLUMN,
    )


def read_cells(
    fields: Mapping[str, str], *, depicts_property: str = DEPICTS, replace_captions: bool = False
) -> tuple[StructuredData, list[Problem]]:
    """The row's structured data, and every cell that is wrong (column, message)."""
    captions: list[Caption] = []
    statements: list[Statement] = []
    problems: list[Problem] = []
    for column, text in fields.items():
        lowered = column.lower()
        text = text.strip()
        if not text:
            continue
        if lowered.startswith(CAPTION_PREFIX):
            caption, problem = _caption(column, column[len(CAPTION_PREFIX) :], text)
            if problem:
                problems.append((column, problem))
            else:
                captions.append(caption)
        elif lowered == DEPICTS_COLUMN:
            for value in split_values(text):
                if ITEM_ID.match(value.upper()):
                    statements.append(Statement(depicts_property, value.upper(), column))
                else:
                    problems.append((column, f'{value!r} is not an item id (like Q42)'))
        elif lowered.startswith(STATEMENT_PREFIX):
            prop = column[len(STATEMENT_PREFIX) :].strip().upper()
            if not PROPERTY_ID.match(prop):
                problems.append(
                    (
                        column,
                        f'{prop or "(nothing)"!r} after "statement." is not '
                        'a property id (like statement.P571)',
                    )
                )
                continue
            statements.extend(Statement(prop, value, column) for value in split_values(text))
        elif lowered == CAPTIONS_COLUMN:
            if text.lower() not in ('keep', 'replace'):
                problems.append((column, f'{text!r}: captions are "keep" or "replace"'))
            else:
                replace_captions = text.lower() == 'replace'
    unique = list(dict.fromkeys(statements))
    return StructuredData(tuple(captions), tuple(unique), replace_captions), problems


def split_values(text: str) -> list[str]:
    """A cell's values: ``;`` separates them, blanks between are ignored."""
    return [value.strip() for value in text.split(';') if value.strip()]


def _caption(column: str, language: str, text: str) -> tuple[Caption | None, str]:
    language = language.strip().lower()
    text = unicodedata.normalize('NFC', text)  # as Wikibase stores it, so it compares equal
    if not _LANGUAGE.match(language):
        return None, (
            f'{language or "(nothing)"!r} after "caption." is not a language code '
            '(like caption.en, caption.de, caption.pt-br)'
        )
    if '\n' in text or '\t' in text:
        return None, 'a caption is one line of plain text'
    if len(text) > CAPTION_LIMIT:
        return None, f'the caption has {len(text)} characters; at most {CAPTION_LIMIT} are stored'
    return Caption(language, text, column), ''


def unknown_languages(data: StructuredData, known: set[str]) -> list[Problem]:
    """Caption cells whose language the wiki does not know."""
    return [
        (caption.column, f'the wiki knows no language {caption.language!r}')
        for caption in data.captions
        if caption.language not in known
    ]
