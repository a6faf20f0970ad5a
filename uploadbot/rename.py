"""Free names for the ``rename`` action: ``Name (2).jpg``, ``Name (3).jpg``, ..."""

from __future__ import annotations

import re
from typing import Protocol

#: How many candidate names one query asks about.
BATCH = 20

_NUMBERED = re.compile(r'^(?P<stem>.*?) \((?P<number>\d+)\)$')


class Querier(Protocol):
    def query(self, **params: str) -> dict: ...


def candidates(filename: str, start: int = 2, count: int = BATCH) -> list[str]:
    """Numbered variants of ``filename``, continuing a number it already has."""
    stem, dot, extension = filename.rpartition('.')
    if not dot:
        stem, extension = filename, ''
    match = _NUMBERED.match(stem)
    if match:
        stem, start = match['stem'], max(start, int(match['number']) + 1)
    suffix = f'.{extension}' if dot else ''
    return [f'{stem} ({number}){suffix}' for number in range(start, start + count)]


def next_free_name(wiki: Querier, filename: str, *, taken: frozenset[str] = frozenset()) -> str:
    """The first numbered variant of ``filename`` with no page on the wiki.

    Asks about :data:`BATCH` names per query. ``taken`` holds names this run
    has already claimed but the wiki may not show yet.
    """
    start = 2
    while True:
        names = candidates(filename, start)
        pages = wiki.query(titles='|'.join(f'File:{name}' for name in names)).get('pages', [])
        missing = {page['title'].removeprefix('File:') for page in pages if page.get('missing')}
        for name in names:
            if _normal(name) in missing and name not in taken:
                return name
        start += BATCH


def _normal(name: str) -> str:
    """The title form the API answers with: underscores as spaces, first letter upper."""
    name = name.replace('_', ' ')
    return name[:1].upper() + name[1:]
