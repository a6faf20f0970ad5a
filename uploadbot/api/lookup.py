"""Read-only questions to the wiki: files by title, files by SHA1, the stash, free names.

Titles are asked about many per query (the API takes 50 titles at a time
from ordinary accounts, 500 from accounts with ``apihighlimits``, such as
bots), so checking a finished batch of thousands of rows costs a few dozen
requests, not one per row; an answer that the wiki continues is followed.
A file by its SHA1 takes one query each: the API has no batched form.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from uploadbot.names import normalize_title

from .answers import WikiError

#: Titles per query: the API's limit for accounts without ``apihighlimits``.
TITLES_PER_QUERY = 50

#: Titles per query for accounts with ``apihighlimits`` (bots, administrators).
HIGH_TITLES_PER_QUERY = 500

#: How many numbered names one query tries when looking for a free one.
CANDIDATES_PER_QUERY = 20

_NUMBERED = re.compile(r'^(?P<stem>.*?) \((?P<number>\d+)\)$')


class Querier(Protocol):
    def query(self, **params: Any) -> dict[str, Any]: ...


def answers(wiki: Querier, **params: Any) -> Iterator[dict[str, Any]]:
    """Each answer of one query, following the wiki's ``continue`` until it stops:
    the one way a continued answer is read."""
    answer = wiki.query(**params)
    while True:
        yield answer
        if not answer.get('continue'):
            return
        answer = wiki.query(**params, **answer['continue'])


def titles_per_query(high_limits: bool) -> int:
    """How many titles one query may name: more when the account has ``apihighlimits``."""
    return HIGH_TITLES_PER_QUERY if high_limits else TITLES_PER_QUERY


def file_pages(
    wiki: Querier,
    filenames: Iterable[str],
    *,
    per_query: int = TITLES_PER_QUERY,
    on_query: Callable[[int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """The ``File:`` page of each named file that has a page (with its current version).

    Keys are the names as given; names with no page are left out; a page
    without a file has no ``imageinfo``. ``on_query`` hears how many names
    each finished group held.
    """
    names = list(dict.fromkeys(filenames))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(names), per_query):
        group = names[start : start + per_query]
        by_title = {f'File:{normalize_title(name)}': name for name in group}
        params = dict(titles='|'.join(by_title), prop='imageinfo', iiprop='sha1|size|user|timestamp|url')
        for answer in answers(wiki, **params):
            for page in answer.get('pages', []):
                name = by_title.get(page.get('title', ''))
                if name is not None and not page.get('missing'):
                    found.setdefault(name, page)
                    if page.get('imageinfo'):
                        found[name]['imageinfo'] = page['imageinfo']
        if on_query is not None:
            on_query(len(group))
    return found


def current_versions(wiki: Querier, filenames: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The current version (sha1, size, user, timestamp, url) of each named file that exists."""
    return {
        name: page['imageinfo'][0]
        for name, page in file_pages(wiki, filenames).items()
        if page.get('imageinfo')
    }


def content_warnings(filename: str, holders: Iterable[str]) -> dict[str, Any]:
    """The warnings a commit of ``filename`` would bring, given the files with its content.

    The target itself holding these bytes is ``exists`` with ``nochange``;
    other files holding them are ``duplicate``.
    """
    holders = list(holders)
    target = normalize_title(filename)
    others = [name for name in holders if normalize_title(name) != target]
    warnings: dict[str, Any] = {}
    if len(others) < len(holders):
        warnings.update({'exists': filename, 'nochange': {}})
    if others:
        warnings['duplicate'] = others
    return warnings


def files_with_sha1(wiki: Querier, sha1: str) -> list[str]:
    """Names of the files whose current version has this content."""
    answer = wiki.query(list='allimages', aisha1=sha1, ailimit='max')
    return [image['name'].replace('_', ' ') for image in answer.get('allimages', [])]


def stashed_file(wiki: Querier, filekey: str) -> dict[str, Any] | None:
    """Size and SHA1 of a file in the user's upload stash, or None when it is gone."""
    try:
        answer = wiki.query(prop='stashimageinfo', siifilekey=filekey, siiprop='size|sha1')
    except WikiError:
        return None
    infos = answer.get('stashimageinfo') or []
    return infos[0] if infos else None


def numbered_names(filename: str, start: int = 2, count: int = CANDIDATES_PER_QUERY) -> list[str]:
    """``Name (2).jpg``, ``Name (3).jpg``, ...; a name already numbered goes on from its number."""
    stem, dot, extension = filename.rpartition('.')
    if not dot:
        stem, extension = filename, ''
    match = _NUMBERED.match(stem)
    if match:
        stem, start = match['stem'], max(start, int(match['number']) + 1)
    suffix = f'.{extension}' if dot else ''
    return [f'{stem} ({number}){suffix}' for number in range(start, start + count)]


def next_free_name(wiki: Querier, filename: str, *, taken: Iterable[str] = ()) -> str:
    """The first numbered variant of ``filename`` with no page on the wiki.

    ``taken`` holds names this run has claimed that the wiki may not show yet
    (another worker's upload in flight).
    """
    claimed = {normalize_title(name) for name in taken}
    start = 2
    while True:
        names = numbered_names(filename, start)
        answer = wiki.query(titles='|'.join(f'File:{name}' for name in names))
        missing = {
            page['title'].removeprefix('File:') for page in answer.get('pages', []) if page.get('missing')
        }
        for name in names:
            normal = normalize_title(name)
            if normal in missing and normal not in claimed:
                return name
        start += CANDIDATES_PER_QUERY


class NameClaims:
    """Names this run has chosen for ``rename``, shared by its workers.

    The query and the claim happen under one lock, so two workers renaming
    at once never choose the same free name before either has committed.
    ``reserve``, when given, also claims the name where other runs see it (a
    server journal): it answers False when another run took the name first,
    and the next free name is tried.
    """

    def __init__(self, reserve: Callable[[str], bool] | None = None) -> None:
        self._names: set[str] = set()
        self._lock = threading.Lock()
        self._reserve = reserve

    def claim_free_name(self, wiki: Querier, filename: str) -> str:
        with self._lock:
            while True:
                name = next_free_name(wiki, filename, taken=self._names)
                normal = normalize_title(name)
                self._names.add(normal)
                if self._reserve is None or self._reserve(normal):
                    return name
