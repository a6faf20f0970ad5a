"""What is asked of the wiki once per run before the first upload: tags, checks, the pace.

A missing change tag, a page without a licence, a category that does not
exist and a blacklisted name are all bad input: found here, before a byte is
sent, rather than by the wiki half-way through a batch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import replace

from uploadbot.api import facts
from uploadbot.batch.plan import Plan
from uploadbot.batch.prechecks import CheckSettings, Findings, PreChecks
from uploadbot.errors import InputError
from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal
from uploadbot.state import not_sent_again


def check_tags(wiki: facts.Reader, tags: list[str]) -> None:
    """Every ``-tag:`` must be a tag the wiki has, active and applicable by hand."""
    if not tags:
        return
    known = facts.change_tags(wiki)
    for name in tags:
        tag = known.get(name)
        if tag is None or not tag.defined:
            raise InputError(f'-tag:{name}: the wiki has no change tag {name!r} (an '
                             'administrator creates it at Special:Tags); nothing was uploaded')
        if not tag.active:
            raise InputError(f'-tag:{name}: the change tag {name!r} is not active; nothing '
                             'was uploaded')
        if not tag.manual:
            raise InputError(f'-tag:{name}: the change tag {name!r} is set by the software '
                             'and cannot be applied by a bot; nothing was uploaded')


#: The rows a run does not send again (:func:`settled_files`): each one's key, with
#: the size and time its file was read at.
Settled = Mapping[tuple[str, str], tuple[int, int]]


def wiki_checks(plan: Plan, wiki: facts.Reader, settings: CheckSettings, *,
                copy_uploads: bool, settled: Settled | None = None) -> Findings:
    """The licence, category, title and copy-source checks of the rows still to upload.

    Rows the journal has settled (or holds, without ``-commit-held``) are not
    uploaded again, so they are not checked again: a growing folder on a
    schedule costs the checks of its new files only, on one machine as on
    several.
    """
    todo = [item for item in plan.items if not _settled(item, settled or {})]
    return PreChecks(replace(plan, items=todo), wiki, settings).run(copy_uploads=copy_uploads)


def settled_files(journal: Journal, *, commit_held: bool) -> Settled:
    """The rows of ``journal`` that this run does not send again (see :data:`Settled`)."""
    return {record.key: (record.size, record.mtime_ns)
            for record in journal.records_in(not_sent_again(commit_held=commit_held))}


def _settled(item: UploadItem, done: Settled) -> bool:
    """A settled row whose file is still the one it was (a changed file is new content)."""
    if item.key not in done:
        return False
    if item.path is None:
        return True
    try:
        stat = os.stat(item.path)
    except OSError:
        return False
    return done[item.key] == (stat.st_size, stat.st_mtime_ns)


def duration(seconds: float) -> str:
    """``2 h 05 min``, ``12 min``, ``40 s``."""
    seconds = round(seconds)
    if seconds < 60:
        return f'{seconds} s'
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f'{hours} h {minutes:02d} min' if hours else f'{minutes} min'


def pace_lines(wiki: facts.Reader, uploads: int, max_rate: float | None) -> list[str]:
    """How long ``uploads`` files take at the account's upload limit and at ``-max-rate``.

    Only the pacing is counted (the time to send the bytes comes on top):
    under a limit of H uploads per S seconds, the first H go at once and each
    further H wait for the next window.
    """
    limits = facts.upload_limits(wiki)
    if limits.exempt:
        lines = ['the account has no upload rate limit (noratelimit)']
    elif limits.hits is None:
        lines = ['the wiki sets no upload rate limit for this account']
    else:
        windows = max(0, math.ceil(uploads / limits.hits) - 1)
        lines = [f'at the account\'s upload limit of {limits.hits} per {limits.seconds} s, '
                 f'{uploads} upload(s) take at least {duration(windows * limits.seconds)}']
    if max_rate is not None:
        per_minute = max_rate * 60
        lines.append(f'at -max-rate: {per_minute:g}/min, {uploads} upload(s) take at least '
                     f'{duration(max(0, uploads - 1) / max_rate)}')
    return lines
