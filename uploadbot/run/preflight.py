"""The checks before sending: one pipeline for the command line and the Python API.

Every problem that can be found before a byte is sent is found here, once
per run, for the rows the journal has not settled: the file types and page
sizes the wiki takes, the change tags, the licence, category and title
checks (:mod:`uploadbot.batch.prechecks`) and the structured-data cells
(:mod:`uploadbot.run.mediainfo_checks`). A problem of the batch as a whole (a tag
the wiki lacks) stops the run; a row's problem becomes that row's outcome
(:mod:`uploadbot.run.problems`), so a scheduled job over a growing folder
never stops because one new file has a camera's default name.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import pywikibot

from uploadbot.api import facts, lookup
from uploadbot.api.transfer import SiteTransfer
from uploadbot.batch.plan import Plan
from uploadbot.batch.prechecks import CheckSettings, PreChecks
from uploadbot.errors import InputError, Refusal
from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal, left_alone, same_file
from uploadbot.mediainfo_types import StructuredData
from uploadbot.names import extension
from uploadbot.state import State, not_sent_again
from uploadbot.upload.mediainfo_edit import DataSettings

from . import mediainfo_checks
from .report import duration


@dataclass(frozen=True)
class Preflight:
    """Which checks run before sending, and what the rows' structured data needs."""

    licences: bool = True
    categories: bool = True
    titles: bool = True
    #: Licence templates that replace the wiki's ``Category:License tags``.
    licence_templates: tuple[str, ...] | None = None
    #: Categories added to every page (``-tracking-category:``).
    tracking_categories: tuple[str, ...] = ()
    #: Take file types outside the wiki's list (``-any-extension``).
    any_extension: bool = False
    tags: tuple[str, ...] = ()
    #: The wiki keeps structured data though its siteinfo does not say so (``-mediainfo``).
    mediainfo: bool = False
    replace_captions: bool = False
    commit_held: bool = False
    retry_refused: bool = False


#: The rows a run leaves alone (:func:`settled_files`): each one's key, with the size
#: and time its file was read at and, for a row the wiki refused at upload, the
#: fingerprint it refused.
Settled = Mapping[tuple[str, str], tuple[int, int, str]]


@dataclass
class Screening:
    """What the checks found: every problem, notes to read, the structured-data settings."""

    problems: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: DataSettings | None = None
    #: The items to hand to the bot (rows with problems are settled apart).
    items: list[UploadItem] = field(default_factory=list)


def screen(
    plan: Plan,
    site: pywikibot.site.APISite,
    new_transfer: Callable[[], SiteTransfer],
    settings: Preflight,
    *,
    settled: Settled | None = None,
) -> Screening:
    """Check the rows of ``plan`` that the journal has not ``settled`` against the wiki.

    Rows the journal has settled are not checked again: a growing folder on a
    schedule costs the checks of its new files only, on one machine as on
    several.
    """
    reader = new_transfer()
    check_tags(reader, settings.tags)
    done = {item.row for item in plan.items if _left_alone(item, settled or {})}
    todo = [item for item in plan.items if item.row not in done]
    found = Screening(problems=list(plan.problems))
    if not settings.any_extension:
        found.problems += unknown_extensions(todo, site, plan)
    found.problems += oversized_pages(todo, site, plan)
    checks = CheckSettings(
        licences=settings.licences,
        categories=settings.categories,
        titles=settings.titles,
        licence_templates=settings.licence_templates,
        tracking_categories=settings.tracking_categories,
        titles_per_query=lookup.titles_per_query(site.has_right('apihighlimits')),
        extensions=facts.extensions(site),
    )
    findings = PreChecks(replace(plan, items=todo), reader, checks).run(
        copy_uploads=site.has_right('upload_by_url')
    )
    found.problems += findings.problems
    found.notes += findings.notes
    found.data, cells = mediainfo_checks.prepare(
        plan.items + plan.refused,
        site,
        manifest=plan.manifest_path,
        forced=settings.mediainfo,
        replace_captions=settings.replace_captions,
        tags=settings.tags,
        new_transfer=new_transfer,
    )
    found.problems += [problem for problem in cells if problem.row not in done]
    # A row done earlier whose cells are wrong now keeps its outcome; its data is not sent.
    stale = {problem.row: problem for problem in cells if problem.row in done}
    found.notes += [
        f'{problem}; the row was done by an earlier run, so its structured data is left as it is'
        for problem in stale.values()
    ]
    found.items = [
        replace(item, structured=StructuredData()) if item.row in stale else item for item in plan.items
    ]
    return found


def check_tags(wiki: facts.Reader, tags: tuple[str, ...] | list[str]) -> None:
    """Every ``-tag:`` must be a tag the wiki has, active and applicable by hand."""
    if not tags:
        return
    known = facts.change_tags(wiki)
    for name in tags:
        tag = known.get(name)
        if tag is None or not tag.defined:
            raise InputError(
                f'-tag:{name}: the wiki has no change tag {name!r} (an '
                'administrator creates it at Special:Tags); nothing was uploaded'
            )
        if not tag.active:
            raise InputError(f'-tag:{name}: the change tag {name!r} is not active; nothing was uploaded')
        if not tag.manual:
            raise InputError(
                f'-tag:{name}: the change tag {name!r} is set by the software '
                'and cannot be applied by a bot; nothing was uploaded'
            )


def unknown_extensions(items: list[UploadItem], site: pywikibot.site.APISite, plan: Plan) -> list[InputError]:
    """Rows whose file type the wiki does not take (siteinfo ``fileextensions``)."""
    allowed = {entry['ext'].lower() for entry in site.siteinfo.get('fileextensions', [])}
    return [
        Refusal(
            f'the wiki does not take .{extension(item.filename)} files '
            f'(it takes {", ".join(sorted(allowed))})',
            path=plan.manifest_path,
            row=item.row,
            field='filename',
        )
        for item in items
        if allowed and extension(item.filename) not in allowed
    ]


def oversized_pages(items: list[UploadItem], site: pywikibot.site.APISite, plan: Plan) -> list[InputError]:
    """Rows whose description page is larger than the wiki stores ($wgMaxArticleSize)."""
    limit = int(site.siteinfo.get('maxarticlesize') or 0)
    return [
        Refusal(
            f'the description page would be {len(item.text.encode())} bytes; the wiki stores at most {limit}',
            path=plan.manifest_path,
            row=item.row,
        )
        for item in items
        if limit and len(item.text.encode()) > limit
    ]


def settled_files(journal: Journal, *, commit_held: bool, retry_refused: bool) -> Settled:
    """The rows of ``journal`` that this run leaves alone (see :data:`Settled`)."""
    states = not_sent_again(commit_held=commit_held) | {State.REFUSED}
    return {
        record.key: (record.size, record.mtime_ns, record.refused_for)
        for record in journal.records_in(states)
        if left_alone(record, record.refused_for, commit_held=commit_held, retry_refused=retry_refused)
    }


def _left_alone(item: UploadItem, done: Settled) -> bool:
    """A row the journal leaves alone, whose file is still the one it was (a changed file
    is new content) and, if the wiki refused it, whose fingerprint is the one refused."""
    entry = done.get(item.key)
    if entry is None:
        return False
    size, mtime_ns, refused_for = entry
    if refused_for and refused_for != item.fingerprint:
        return False
    if item.path is None:
        return True
    try:
        stat = os.stat(item.path)
    except OSError:
        return False
    return same_file(size, mtime_ns, stat)


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
        lines = [
            f"at the account's upload limit of {limits.hits} per {limits.seconds} s, "
            f'{uploads} upload(s) take at least {duration(windows * limits.seconds)}'
        ]
    if max_rate is not None:
        per_minute = max_rate * 60
        lines.append(
            f'at -max-rate: {per_minute:g}/min, {uploads} upload(s) take at least '
            f'{duration(max(0, uploads - 1) / max_rate)}'
        )
    return lines
