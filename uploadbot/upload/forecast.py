"""What a batch would do, found with read queries only (``-check``, ``-simulate``).

For every row the forecast asks the wiki what the commit would: is a file
or a page already under the target name, is the content already there under
another name — and lets the row's policy answer the warnings that would come
back. The verdict comes from :func:`uploadbot.decision.decide`, the function
the commit acts on, so ``-check`` says what a run will do. Nothing is written
to the wiki. The same content twice in one batch is found here too, from the
SHA1 of every file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from uploadbot.api import lookup
from uploadbot.decision import decide
from uploadbot.errors import InputError
from uploadbot.item import UploadItem
from uploadbot.names import name_changes
from uploadbot.state import State

from .task import file_sha1

_THUMB_NAME = re.compile(r'^\d+px-')


@dataclass(frozen=True)
class Forecast:
    """What would become of one row."""

    row: int
    source: str
    filename: str
    outcome: State
    warnings: tuple[str, ...] = ()
    message: str = ''
    sha1: str = ''


def forecast(wiki: lookup.Querier, items: Iterable[UploadItem], *, own_user: str,
             manifest: str = '') -> tuple[list[Forecast], list[InputError]]:
    """Forecasts for ``items``, and the rows whose content repeats an earlier row's."""
    items = list(items)
    sha1s = {item.row: file_sha1(item.path) if item.path else '' for item in items}
    problems, first_with = [], {}
    for item in items:
        earlier = first_with.setdefault(sha1s[item.row] or item.url, item.row)
        if earlier != item.row:
            problems.append(InputError(f'the same content as row {earlier}', path=manifest,
                                       row=item.row, field='file'))
    pages = lookup.file_pages(wiki, [item.filename for item in items])
    found = [_one(wiki, item, sha1s[item.row], pages.get(item.filename), own_user)
             for item in items]
    return found, problems


def _one(wiki: lookup.Querier, item: UploadItem, sha1: str, page: dict[str, Any] | None,
         own_user: str) -> Forecast:
    current = ((page or {}).get('imageinfo') or [None])[0]
    warnings = _warnings(wiki, item, sha1, current, page is not None)
    verdict = decide(item.policy, warnings,
                     is_own=lambda: bool(current) and current.get('user') == own_user)
    return Forecast(item.row, item.source, item.filename, verdict.outcome,
                    tuple(warnings) if verdict.code else (), verdict.reason, sha1)


def _warnings(wiki: lookup.Querier, item: UploadItem, sha1: str,
              current: dict[str, Any] | None, page_exists: bool) -> dict[str, Any]:
    """The warnings the wiki would most likely give at the commit."""
    warnings: dict[str, Any] = {}
    mended = name_changes(item.filename)
    if mended:
        warnings['badfilename'] = mended[0]
    if current is not None:
        warnings['exists'] = item.filename
    elif page_exists:
        warnings['page-exists'] = item.filename
    elif _THUMB_NAME.match(item.filename):
        warnings['thumb-name'] = item.filename
    if sha1:
        warnings.update(lookup.content_warnings(item.filename,
                                                lookup.files_with_sha1(wiki, sha1)))
    return warnings


def table(forecasts: Iterable[Forecast], problems: Iterable[InputError]) -> str:
    """The ``-check`` table: problems first, then what would happen to every row."""
    lines = []
    problems = list(problems)
    if problems:
        lines.append(f'{len(problems)} problem(s):')
        lines += [f'  {problem}' for problem in problems]
    forecasts = list(forecasts)
    if forecasts:
        width = max(len(f.filename) for f in forecasts)
        lines.append(f'{"row":>5}  {"would be":<11}  {"target":<{width}}  why')
        for f in forecasts:
            lines.append(f'{f.row:>5}  {f.outcome:<11}  {f.filename:<{width}}  {f.message}')
    return '\n'.join(lines)
