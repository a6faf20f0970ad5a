"""The command line's runs: ``uploadbot``, ``python -m uploadbot`` and ``pwb uploadbot``.

Upload a batch of files described by a manifest::

    uploadbot -manifest:batch.csv -template:description.wiki -report:report.csv

pywikibot's global options (``-dir:``, ``-family:``, ``-lang:``, ``-user:``,
``-simulate``, ``-log`` ...) choose the wiki and the account; the bot's own
options are declared in :mod:`uploadbot.option_table` (``uploadbot -help``
lists them). ``-help`` and ``-status`` need no wiki and are answered by
:mod:`uploadbot.command` before pywikibot is set up.
"""

from __future__ import annotations

import sqlite3
import sys
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pywikibot
from pywikibot.exceptions import Error as PywikibotError

from .api import facts, lookup
from .api.pace import Pacer
from .api.pwbdir import make_logs_folder
from .api.retry import GaveUp
from .api.session import logged_in, under_retries
from .api.transfer import SiteTransfer
from .batch.manifest import read_manifest
from .batch.plan import Plan, Planner
from .batch.prechecks import CheckSettings
from .command import without_wiki
from .errors import BatchStop, ExitCode, InputError, RowFailure
from .item import UploadItem
from .journal.sqlite import SQLiteJournal, default_path
from .names import extension
from .options import Options
from .policy import Policy
from .run import check, mediainfo, preflight
from .run.bot import UploadBot
from .run.lock import RunLock
from .run.progress import Progress, Steps
from .run.report import Report
from .upload.download import Downloader
from .upload.structured import DataSettings
from .upload.task import TaskSettings


class BadRows(InputError):
    """Rows that fail their checks: each is printed on a line of its own."""

    def __init__(self, problems: list[InputError]) -> None:
        super().__init__(f'{len(problems)} row(s) have problems')
        self.problems = problems


class LoginFailed(BatchStop):
    """pywikibot could not log in: nothing can be uploaded."""


def main(*args: str) -> int:
    """Run the bot with pywikibot-style arguments; returns the exit code."""
    answered = without_wiki(args)  # -help, -status: no site, no login
    if answered is not None:
        return answered
    try:
        local_args = under_retries(partial(_handle_args, args))
    except (PywikibotError, GaveUp) as error:
        pywikibot.error(f'cannot log in to the wiki: {error}')
        return ExitCode.FAILED
    except Exception as error:  # pywikibot's set-up: one line, not its traceback
        pywikibot.log('uploadbot: pywikibot.handle_args failed', exc_info=error)
        pywikibot.error(f'pywikibot could not be set up: {type(error).__name__}: {error}')
        return ExitCode.FAILED
    answered = without_wiki(local_args)  # an older copy of the pwb script passes none above
    if answered is not None:
        return answered
    try:
        return _run(Options.parse(local_args))
    except BadRows as bad:
        return _refuse(bad.problems)
    except InputError as error:
        pywikibot.error(str(error))
        return ExitCode.BAD_INPUT
    except BatchStop as stop:
        pywikibot.error(str(stop))
        return stop.exit_code
    except RowFailure as trouble:  # the wiki's or the network's, before any row began
        pywikibot.error(f'the wiki could not be asked before uploading: {trouble}')
        return ExitCode.FAILED
    except (PywikibotError, GaveUp) as trouble:  # the wiki went away after the login
        pywikibot.error(f'the wiki could not be reached: {trouble}')
        return ExitCode.FAILED
    except sqlite3.DatabaseError as error:
        pywikibot.error(f'the journal cannot be used: {error} (is it an uploadbot journal?)')
        return ExitCode.BAD_INPUT
    except OSError as error:  # a journal, report or lock in a folder that is not there
        pywikibot.error(f'cannot use {error.filename or "a file"}: {error.strerror or error}')
        return ExitCode.BAD_INPUT


def _handle_args(args: tuple[str, ...]) -> list[str]:
    """pywikibot's global options; this already makes the site and asks the wiki who we are."""
    make_logs_folder()  # before handle_args makes it: runs started at once race (see pwbdir)
    with warnings.catch_warnings():
        # Under pwb, pwb has handled the global options and made the site
        # already; pywikibot's warning about that is meant for scripts that
        # make a site before handling their options, which this one does not.
        warnings.filterwarnings('ignore', 'Site objects have been created before arguments')
        return pywikibot.handle_args(args, do_help=False)


def _run(options: Options) -> int:
    if options.journal_url:
        return _run_shared(options)
    if options.manifest is None:
        raise InputError('no manifest: give -manifest:FILE (see uploadbot -help)')
    journal_path = options.journal or default_path(options.manifest)
    plan = _plan(options)
    site, new_transfer, data = _prepared(plan, options, _settled_in(journal_path, options))
    if options.check or pywikibot.config.simulate:
        return check.check(plan, new_transfer, site, data=data, journal_path=journal_path,
                           workers=options.workers, max_rate=options.max_rate,
                           report=options.report)
    if plan.problems:
        return _refuse(plan.problems)
    with RunLock(journal_path) as lock, SQLiteJournal(journal_path) as journal:
        if lock.took_over:
            pywikibot.warning(lock.takeover_message())
        progress = Progress(len(plan.items), sum(item.size for item in plan.items))
        bot = UploadBot(plan.items, new_transfer, Report(options.report), journal=journal,
                        settings=_settings(options, site, data), workers=options.workers,
                        max_runtime=options.max_runtime, progress=progress)
        bot.run()
    return bot.exit_code()


def _run_shared(options: Options) -> int:
    """A batch that runs on several machines share through a server journal."""
    from .run import shared  # SQLAlchemy and the drivers: only for a server journal

    batch = shared.batch_name(options.manifest, options.batch)
    if options.manifest is None and (options.check or pywikibot.config.simulate):
        raise InputError('-check and -simulate forecast the rows of a manifest: give '
                         '-manifest: with -journal:URL')
    root = shared.root_folder(options.manifest, options.root)
    plan = _plan(options) if options.manifest is not None else None
    with shared.open_journal(options.journal_url, options.journal_cnf, batch=batch, root=root,
                             commit_held=options.commit_held,
                             retry_refused=options.retry_refused,
                             lease=options.lease or shared.LEASE_SECONDS) as journal:
        settled = (preflight.settled_files(journal, commit_held=options.commit_held)
                   if plan is not None else None)
        site, new_transfer, data = _prepared(plan, options, settled)
        if plan is not None and (options.check or pywikibot.config.simulate):
            return check.check(plan, new_transfer, site, data=data, journal_path=None,
                               workers=options.workers, max_rate=options.max_rate,
                               report=options.report)
        if plan is not None and plan.problems:
            return _refuse(plan.problems)
        if plan is None:  # the settings of the batch's structured data, from what it holds
            data, problems = _structured_data(journal.items(), site, new_transfer, options,
                                              manifest=None)
            if problems:
                return _refuse(problems)
        return shared.upload_shared(plan.items if plan else None, journal, new_transfer,
                                    _settings(options, site, data), report=options.report,
                                    workers=options.workers, max_runtime=options.max_runtime)


def _prepared(plan: Plan | None, options: Options, settled: preflight.Settled | None = None,
              ) -> tuple[pywikibot.site.APISite, Callable[[], SiteTransfer], DataSettings | None]:
    """The logged-in site, the transfers' factory and the structured-data settings.

    Bad rows found before logging in end the run here, unless ``-check`` lists
    them; the checks that need the wiki (file types, page sizes, tags,
    licences, categories, titles, structured data) add theirs to the plan,
    for the rows the journal has not ``settled``.
    """
    if plan is not None and options.preview:
        check.preview(plan, options.preview)
    if plan is not None and plan.problems and not options.check:
        raise BadRows(plan.problems)
    site = _logged_in_site()
    pacer = Pacer(options.max_rate) if options.max_rate else None
    new_transfer = partial(SiteTransfer, site, query_timeout=(10.0, options.query_timeout),
                           write_timeout=(10.0, options.upload_timeout),
                           tags=tuple(options.tags), pacer=pacer)
    reader = new_transfer()
    preflight.check_tags(reader, options.tags)
    if plan is None:
        return site, new_transfer, None
    if not options.any_extension:
        plan.problems += _unknown_extensions(plan, site)
    plan.problems += _oversized_pages(plan, site)
    findings = preflight.wiki_checks(plan, reader, _check_settings(options, site),
                                     copy_uploads=site.has_right('upload_by_url'),
                                     settled=settled)
    plan.problems += findings.problems
    for note in findings.notes:
        pywikibot.warning(note)
    data, problems = _structured_data(plan.items + plan.refused, site, new_transfer, options,
                                      manifest=plan.manifest_path)
    plan.problems += problems
    return site, new_transfer, data


def _structured_data(items: list[UploadItem], site: pywikibot.site.APISite,
                     new_transfer: Callable[[], SiteTransfer], options: Options, *,
                     manifest: Path | None) -> tuple[DataSettings | None, list[InputError]]:
    return mediainfo.prepare(items, site, manifest=manifest, forced=options.mediainfo,
                             replace_captions=options.replace_captions,
                             tags=tuple(options.tags),
                             summary=options.summary, new_transfer=new_transfer)


def _settings(options: Options, site: pywikibot.site.APISite,
              data: DataSettings | None) -> TaskSettings:
    return TaskSettings(
        chunk_size=options.chunk_size, own_user=site.username(),
        commit_held=options.commit_held, asynchronous=options.asynchronous,
        retry_refused=options.retry_refused,
        downloader=Downloader(options.max_download, allow_local=options.allow_local_urls,
                              timeout=(10.0, options.query_timeout)),
        copy_uploads=site.has_right('upload_by_url'), data=data)


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
    manifest = read_manifest(options.manifest, sheet=options.sheet, defaults=options.fields,
                             recursive=options.recursive)
    planner = Planner(manifest, policy=policy, summary=options.summary,
                      template=options.template, exif=options.exif,
                      depicts_property=options.depicts_property,
                      tracking_categories=tuple(options.tracking_categories))
    with Steps('planning', len(manifest.rows)) as steps:
        return planner.plan(on_row=steps.advance)


def _check_settings(options: Options, site: pywikibot.site.APISite) -> CheckSettings:
    given = options.licence_templates
    return CheckSettings(licences=options.licence_check, categories=options.category_check,
                         titles=options.title_check,
                         licence_templates=None if given is None else tuple(given),
                         titles_per_query=lookup.titles_per_query(
                             site.has_right('apihighlimits')),
                         extensions=facts.extensions(site))


def _logged_in_site() -> pywikibot.site.APISite:
    """The logged-in site, set up under the same retries as every request (see api/session.py)."""
    try:
        return logged_in(pywikibot.Site)
    except (PywikibotError, GaveUp) as error:
        raise LoginFailed(f'cannot log in to the wiki: {error}') from None


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


def _settled_in(journal_path: Path, options: Options) -> preflight.Settled:
    """The rows a journal file holds that this run does not send again; none before the
    batch's first run."""
    if not journal_path.exists():
        return {}
    with SQLiteJournal(journal_path) as journal:
        return preflight.settled_files(journal, commit_held=options.commit_held)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))
