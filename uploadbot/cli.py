"""The command line: ``uploadbot``, ``python -m uploadbot`` and ``pwb uploadbot``.

Upload a batch of files described by a manifest::

    uploadbot -manifest:batch.csv -template:description.wiki -report:report.csv

pywikibot's global options (``-dir:``, ``-family:``, ``-lang:``, ``-user:``,
``-simulate``, ``-log`` ...) choose the wiki and the account. The bot's own
options:

-manifest:FILE      rows to upload (CSV, TSV, XLSX, ODS, JSON Lines, YAML) or a directory
-template:FILE      the description page template (wikitext with {{{field}}} arguments)
-policy:FILE        warning policy (YAML: ``warnings:`` code -> action, ``default:``)
-on:CODE=ACTION     one warning rule, repeatable; wins over the policy file
-report:FILE        write the report (CSV, or JSON when FILE ends in .json)
-journal:FILE       the journal (default: beside the manifest)
-chunk-size:BYTES   chunk size for files larger than one chunk (default 4Mi)
-summary:TEXT       upload comment (a summary column wins)
-field:NAME=VALUE   a batch-wide template field, repeatable
-sheet:NAME         the sheet of an XLSX or ODS manifest
-check              validate everything and show what each row would become; upload nothing
-preview:DIR        write each row's description page to DIR
-any-extension      do not refuse file types outside the wiki's list (for wikis that
                    take them with the filetype-unwanted-type warning)
-exif               fill an empty date from the image's EXIF; add {{Location}} from its GPS
-status             show the journal's state
-workers:N          upload N files at once (default 1); with -check, N read queries
-max-runtime:TIME   stop between files after TIME (50m, 2h, 1h30m), everything recorded
-commit-held        commit rows held in the stash, under the policy as it is now
-async              let the wiki assemble and publish files in jobs; poll checkstatus
-max-download:BYTES the largest file fetched from a URL row (default 4Gi)
-allow-local-urls   allow URL rows on private, loopback and link-local addresses
-query-timeout:S    seconds to wait for the answer to a query (default 60)
-upload-timeout:S   seconds to wait for the answer to a chunk or commit (default 600)
"""

from __future__ import annotations

import sqlite3
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import pywikibot
from pywikibot.exceptions import Error as PywikibotError

from .api import lookup
from .api.transfer import SiteTransfer
from .batch.manifest import read_manifest
from .batch.plan import Plan, Planner
from .errors import BatchStop, ExitCode, InputError
from .journal.sqlite import SQLiteJournal, default_path
from .names import extension
from .options import Options
from .policy import Policy
from .run import status
from .run.bot import UploadBot
from .run.lock import AlreadyRunning, RunLock
from .run.progress import Progress, Steps
from .run.report import Report
from .state import ATTENTION, Outcome
from .upload.download import Downloader
from .upload.forecast import forecast, table
from .upload.hashes import Hashes
from .upload.task import TaskSettings


def main(*args: str) -> int:
    """Run the bot with pywikibot-style arguments; returns the exit code."""
    with warnings.catch_warnings():
        # Under pwb, pwb has handled the global options and made the site
        # already; pywikibot's warning about that is meant for scripts that
        # make a site before handling their options, which this one does not.
        warnings.filterwarnings('ignore', 'Site objects have been created before arguments')
        local_args = pywikibot.handle_args(args, do_help=False)
    if '-help' in local_args:
        pywikibot.stdout(__doc__ + '\nFor pywikibot\'s global options: pwb -help:global\n')
        return ExitCode.OK
    try:
        return _run(Options.parse(local_args))
    except InputError as error:
        pywikibot.error(str(error))
        return ExitCode.BAD_INPUT
    except BatchStop as stop:
        pywikibot.error(str(stop))
        return stop.exit_code


def _run(options: Options) -> int:
    if options.manifest is None:
        raise InputError('no manifest: give -manifest:FILE (see uploadbot -help)')
    journal_path = options.journal or default_path(options.manifest)
    if options.status:
        return _status(journal_path)
    plan = _plan(options)
    if options.preview:
        _preview(plan, options.preview)
    if plan.problems and not options.check:
        return _refuse(plan.problems)
    site = _logged_in_site()
    if site is None:
        return ExitCode.FAILED
    if not options.any_extension:
        plan.problems += _unknown_extensions(plan, site)
    plan.problems += _oversized_pages(plan, site)
    new_transfer = partial(SiteTransfer, site, query_timeout=(10.0, options.query_timeout),
                           write_timeout=(10.0, options.upload_timeout))
    if options.check or pywikibot.config.simulate:
        return _check(plan, new_transfer, site, options, journal_path)
    if plan.problems:
        return _refuse(plan.problems)
    return _upload(plan, site, new_transfer, options, journal_path)


def _upload(plan: Plan, site: pywikibot.site.APISite, new_transfer: Callable[[], SiteTransfer],
            options: Options, journal_path: Path) -> int:
    """The batch itself, holding the journal's lock for as long as it runs."""
    with RunLock(journal_path) as lock, SQLiteJournal(journal_path) as journal:
        if lock.took_over:
            pywikibot.warning(lock.takeover_message())
        settings = TaskSettings(
            chunk_size=options.chunk_size, own_user=site.username(),
            commit_held=options.commit_held, asynchronous=options.asynchronous,
            downloader=Downloader(options.max_download, allow_local=options.allow_local_urls,
                                  timeout=(10.0, options.query_timeout)),
            copy_uploads=site.has_right('upload_by_url'))
        progress = Progress(len(plan.items), sum(item.size for item in plan.items))
        bot = UploadBot(plan.items, new_transfer, Report(options.report), journal=journal,
                        settings=settings, workers=options.workers,
                        max_runtime=options.max_runtime, progress=progress)
        bot.run()
    return bot.exit_code()


def _refuse(problems: list[InputError]) -> int:
    """Bad input: every problem on a line of its own, and nothing uploaded."""
    for problem in problems:
        pywikibot.error(str(problem))
    pywikibot.error(f'{len(problems)} row(s) have problems; nothing was uploaded')
    return ExitCode.BAD_INPUT


def _plan(options: Options) -> Plan:
    """Read the whole batch and check every row (bad files, names, templates, policy)."""
    policy = Policy.load(options.policy) if options.policy else Policy.defaults()
    policy = policy.with_options(options.on)
    manifest = read_manifest(options.manifest, sheet=options.sheet, defaults=options.fields)
    planner = Planner(manifest, policy=policy, summary=options.summary,
                      template=options.template, exif=options.exif)
    with Steps('planning', len(manifest.rows)) as steps:
        return planner.plan(on_row=steps.advance)


def _logged_in_site() -> pywikibot.site.APISite | None:
    site = pywikibot.Site()
    try:
        site.login()
    except PywikibotError as error:
        pywikibot.error(f'cannot log in to {site}: {error}')
        return None
    return site


def _unknown_extensions(plan: Plan, site: pywikibot.site.APISite) -> list[InputError]:
    """Rows whose file type the wiki does not take (siteinfo ``fileextensions``)."""
    allowed = {entry['ext'].lower() for entry in site.siteinfo.get('fileextensions', [])}
    return [InputError(f'the wiki does not take .{extension(item.filename)} files '
                       f'(it takes {", ".join(sorted(allowed))})', path=plan.manifest_path,
                       row=item.row, field='filename')
            for item in plan.items if allowed and extension(item.filename) not in allowed]


def _oversized_pages(plan: Plan, site: pywikibot.site.APISite) -> list[InputError]:
    """Rows whose description page is larger than the wiki stores ($wgMaxArticleSize)."""
    limit = int(site.siteinfo.get('maxarticlesize') or 0)
    return [InputError(f'the description page would be {len(item.text.encode())} bytes; '
                       f'the wiki stores at most {limit}', path=plan.manifest_path,
                       row=item.row)
            for item in plan.items if limit and len(item.text.encode()) > limit]


def _check(plan: Plan, new_transfer: Callable[[], SiteTransfer], site: pywikibot.site.APISite,
           options: Options, journal_path: Path) -> int:
    """Forecast every row with read queries; write nothing to the wiki.

    The files' hashes are kept in the journal (the bot's own state, not the
    wiki's), under the run lock, so the next -check or the upload reads no
    file again.
    """
    with _hash_journal(journal_path) as journal:
        forecasts, repeats = forecast(
            new_transfer(), plan.items, own_user=site.username(),
            manifest=str(plan.manifest_path), hashes=Hashes(journal), workers=options.workers,
            transfers=new_transfer, progress=Steps,
            per_query=lookup.titles_per_query(site.has_right('apihighlimits')))
    problems = plan.problems + repeats
    pywikibot.stdout(table(forecasts, problems))
    if pywikibot.config.simulate and options.report:
        report = Report(options.report)
        for item in forecasts:
            report.add(Outcome(row=item.row, file=item.source, filename=item.filename,
                               outcome=item.outcome, warnings=item.warnings, sha1=item.sha1,
                               message=f'simulated: {item.message}'.rstrip(': '),
                               attempts=0))
        report.close()
    return ExitCode.BAD_INPUT if problems else ExitCode.OK


@contextmanager
def _hash_journal(journal_path: Path) -> Iterator[SQLiteJournal | None]:
    """The journal, locked, for -check's hashes; None when another run holds it."""
    held, journal = ExitStack(), None
    try:
        lock = held.enter_context(RunLock(journal_path))
        journal = held.enter_context(SQLiteJournal(journal_path))
        if lock.took_over:
            pywikibot.warning(lock.takeover_message())
    except AlreadyRunning as running:
        pywikibot.warning(f'{running}; the files\' hashes are not kept this time')
    except (OSError, sqlite3.Error) as error:
        held.close()
        journal = None
        pywikibot.warning(f'cannot keep the files\' hashes in {journal_path}: {error}')
    with held:
        yield journal


def _preview(plan: Plan, folder: Path) -> None:
    """Each row's description page as a file, for a person to read before uploading."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in plan.items:
        (folder / f'row {item.row:05d} {item.filename}.wiki').write_text(item.text,
                                                                         encoding='utf-8')
    pywikibot.info(f'preview: {len(plan.items)} description pages written to {folder}')


def _status(journal_path: Path) -> int:
    if not journal_path.exists():
        raise InputError(f'no journal at {journal_path}: nothing has run on this batch yet')
    with SQLiteJournal(journal_path) as journal:
        pywikibot.stdout(status.render_counts(journal.counts(), journal.records_in(ATTENTION),
                                              str(journal_path)))
    return ExitCode.OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))
