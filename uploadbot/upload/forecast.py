"""What a batch would do, found with read queries only (``-check``, ``-simulate``).

For every row the forecast asks the wiki what the commit would: is a file
or a page already under the target name, is the content already there under
another name — and lets the row's policy answer the warnings that would come
back. The verdict comes from :func:`uploadbot.decision.decide`, the function
the commit acts on, so ``-check`` says what a run will do. Nothing is written
to the wiki. The same content twice in one batch is found here too, from the
SHA1 of every file.

The names are asked about many per query; the contents (by SHA1) one per
query, since the API has no batched form: a batch of N distinct files costs
N queries plus N / 50 (N / 500 with ``apihighlimits``). Those are read
queries and may run several at once (``-workers:N``); each content is asked
about once, however many rows share it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from uploadbot.api import lookup
from uploadbot.decision import decide
from uploadbot.errors import InputError
from uploadbot.item import UploadItem
from uploadbot.names import name_changes
from uploadbot.state import State

from .hashes import Hashes

_THUMB_NAME = re.compile(r'^\d+px-')


@dataclass(frozen=True, slots=True)
class Forecast:
    """What would become of one row."""

    row: int
    source: str
    filename: str
    outcome: State
    warnings: tuple[str, ...] = ()
    message: str = ''
    sha1: str = ''


class Watch(Protocol):
    """Progress of one phase (``uploadbot.run.progress.Steps`` is one)."""

    def advance(self, rows: int = 1, nbytes: int = 0) -> None: ...

    def close(self) -> None: ...


def forecast(
    wiki: lookup.Querier,
    items: Iterable[UploadItem],
    *,
    own_user: str,
    manifest: str = '',
    hashes: Hashes | None = None,
    workers: int = 1,
    transfers: Callable[[], lookup.Querier] | None = None,
    per_query: int = lookup.TITLES_PER_QUERY,
    progress: Callable[..., Watch] | None = None,
) -> tuple[list[Forecast], list[InputError]]:
    """Forecasts for ``items``, and the rows whose content repeats an earlier row's.

    Three phases: every file hashed (``hashes`` keeps what it read in the
    journal), every target name asked about ``per_query`` at a time, then
    each file's SHA1 asked about, one query each, by ``workers`` threads,
    each with a transfer of its own from ``transfers``. ``progress(what,
    rows, total_bytes=...)`` makes a watch for each phase.
    """
    items = list(items)
    hashes = hashes or Hashes()
    watch = progress or _Quiet
    with _closing(watch('hashing', len(items), total_bytes=sum(i.size for i in items))) as w:
        sha1s = hashes.sha1s(items, on_file=w.advance)
    problems = [
        InputError(message, path=manifest, row=row, field='file')
        for row, message in hashes.unreadable.items()
    ]
    first_with: dict[str, int] = {}
    for item in items:
        if item.row in hashes.unreadable:
            continue
        earlier = first_with.setdefault(sha1s[item.row] or item.url, item.row)
        if earlier != item.row:
            problems.append(
                InputError(f'the same content as row {earlier}', path=manifest, row=item.row, field='file')
            )
    with _closing(watch('looking up names', len(items))) as w:
        pages = lookup.file_pages(
            wiki, [item.filename for item in items], per_query=per_query, on_query=w.advance
        )
    with _closing(watch('looking up contents', len(items))) as w:
        holders = _holders(wiki, sorted({sha for sha in sha1s.values() if sha}), workers, transfers, w)
    found = [
        _one(item, sha1s[item.row], holders.get(sha1s[item.row], ()), pages.get(item.filename), own_user)
        for item in items
    ]
    return found, problems


def _holders(
    wiki: lookup.Querier,
    sha1s: list[str],
    workers: int,
    transfers: Callable[[], lookup.Querier] | None,
    watch: Watch,
) -> dict[str, list]:
    """The files holding each content (contents no file holds are left out): one read
    query per SHA1, by ``workers`` threads that each take the next SHA1 when done, so
    nothing waits in a queue however long the batch."""
    found: dict[str, list] = {}
    pending = iter(sha1s)
    lock = threading.Lock()
    stop = threading.Event()

    def work(querier: lookup.Querier) -> None:
        while not stop.is_set():
            with lock:
                sha1 = next(pending, None)
            if sha1 is None:
                return
            try:
                holders = lookup.files_with_sha1(querier, sha1)
            except BaseException:
                stop.set()
                raise
            if holders:
                with lock:
                    found[sha1] = holders
            watch.advance()

    if workers <= 1 or transfers is None or len(sha1s) < 2:
        work(wiki)
        return found
    with ThreadPoolExecutor(workers, thread_name_prefix='check') as pool:
        done = [pool.submit(lambda: work(transfers())) for _ in range(workers)]
    for future in done:
        future.result()
    return found


class _Quiet:
    """No progress shown (a caller in code that did not ask for it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def advance(self, rows: int = 1, nbytes: int = 0) -> None:
        pass

    def close(self) -> None:
        pass


@contextmanager
def _closing(watch: Watch) -> Iterator[Watch]:
    try:
        yield watch
    finally:
        watch.close()


def _one(
    item: UploadItem, sha1: str, holders: Iterable[str], page: dict[str, Any] | None, own_user: str
) -> Forecast:
    current = ((page or {}).get('imageinfo') or [None])[0]
    warnings = _warnings(item, sha1, holders, current, page is not None)
    verdict = decide(item.policy, warnings, is_own=lambda: bool(current) and current.get('user') == own_user)
    return Forecast(
        item.row,
        item.source,
        item.filename,
        verdict.outcome,
        tuple(warnings) if verdict.code else (),
        verdict.reason,
        sha1,
    )


def _warnings(
    item: UploadItem, sha1: str, holders: Iterable[str], current: dict[str, Any] | None, page_exists: bool
) -> dict[str, Any]:
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
        warnings.update(lookup.content_warnings(item.filename, holders))
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
