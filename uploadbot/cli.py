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

from .api.pace import Pacer
from .api.pwbdir import make_logs_folder
from .api.retry import GaveUp
from .api.session import logged_in, under_retries
from .api.transfer import SiteTransfer
from .batch.manifest import read_manifest
from .batch.plan import Plan, Planner
from .command import without_wiki
from .errors import BatchStop, ExitCode, InputError, RowFailure
from .item import UploadItem
from .journal.base import Journal
from .journal.sqlite import SQLiteJournal, default_path
from .options import Options
from .policy import Policy
from .run import check, preflight, problems
from .run.bot import UploadBot
from .run.lock import RunLock
from .run.progress import Progress, Steps
from .run.report import Report
from .upload.download import Downloader
from .upload.structured import DataSettings
from .upload.task import TaskSettings


class BadRows(InputError):
    """Problems that stop the run before anything is sent: each printed on a line of its own.

    ``whole``: some are problems of the batch as a whole (else ``-all-or-nothing``
    made rows' problems stop it).
    """

    def __init__(self, problems: list[InputError], *, whole: bool) -> None:
        super().__init__(f'{len(problems)} problem(s)')
        self.problems = problems
        self.whole = whole


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
        return _refuse(bad)
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
    if options.audit:
        return _audit(options)
    if options.journal_url:
        return _run_shared(options)
    if options.manifest is None:
        raise InputError('no manifest: give -manifest:FILE (see uploadbot -help)')
    journal_path = options.journal or default_path(options.manifest)
    plan = _plan(options)
    _stop_for(plan, plan.problems, options)  # found without the wiki: before logging in
    site, new_transfer = _connect(options)
    if options.check or pywikibot.config.simulate:
        screening = preflight.screen(plan, site, new_transfer, _preflight(options),
                                     settled=_settled_in(journal_path, options))
        return _check(plan, screening, site, new_transfer, options, journal_path)
    with RunLock(journal_path) as lock, SQLiteJournal(journal_path) as journal:
        if lock.took_over:
            pywikibot.warning(lock.takeover_message())
        screening = preflight.screen(plan, site, new_transfer, _preflight(options),
                                     settled=_settled(journal, options))
        rows = _row_problems(plan, screening, options)
        bot = UploadBot(screening.items, new_transfer, Report(options.report), journal=journal,
                        settings=_settings(options, site, screening.data),
                        workers=options.workers, max_runtime=options.max_runtime,
                        problems=rows, progress=_progress(screening.items))
        bot.run()
    return bot.exit_code()


def _audit(options: Options) -> int:
    """``-audit``: what became of the batch's published files (:mod:`uploadbot.run.audit`)."""
    from .api.audit import Nominations
    from .run import audit

    nominations = Nominations.from_names(options.nominations) if options.nominations \
        else Nominations()
    if options.journal_url:
        from .run import shared  # SQLAlchemy and the drivers: only for a server journal

        journal: Journal = shared.open_journal(
            options.journal_url, options.journal_cnf, root=Path('.'),
            batch=shared.batch_name(options.manifest, options.batch))
    else:
        if options.journal is None and options.manifest is None:
            raise InputError('-audit needs the batch: give -manifest:FILE or -journal:FILE')
        path = options.journal or default_path(options.manifest)
        if not path.exists():
            raise InputError(f'no journal at {path}: nothing has run on this batch yet')
        journal = SQLiteJournal(path)
    with journal:
        site, new_transfer = _connect(options)
        return audit.run_audit(journal, site, new_transfer(), nominations=nominations,
                               report=Report(options.report) if options.report else None)


def _run_shared(options: Options) -> int:
    """A batch that runs on several machines share through a server journal."""
    from .run import shared  # SQLAlchemy and the drivers: only for a server journal

    batch = shared.batch_name(options.manifest, options.batch)
    if options.manifest is None and (options.check or pywikibot.config.simulate):
        raise InputError('-check and -simulate forecast the rows of a manifest: give '
                         '-manifest: with -journal:URL')
    root = shared.root_folder(options.manifest, options.root)
    plan = _plan(options) if options.manifest is not None else Plan()
    _stop_for(plan, plan.problems, options)
    with shared.open_journal(options.journal_url, options.journal_cnf, batch=batch, root=root,
                             commit_held=options.commit_held,
                             retry_refused=options.retry_refused,
                             lease=options.lease or shared.LEASE_SECONDS) as journal:
        site, new_transfer = _connect(options)
        if options.manifest is None:  # the batch's structured data, from what it holds
            plan.items = journal.items()
        screening = preflight.screen(plan, site, new_transfer, _preflight(options),
                                     settled=_settled(journal, options))
        if options.check or pywikibot.config.simulate:
            return _check(plan, screening, site, new_transfer, options, None)
        rows = _row_problems(plan, screening, options)
        planned = screening.items if options.manifest is not None else None
        return shared.upload_shared(planned, journal, new_transfer,
                                    _settings(options, site, screening.data),
                                    report=options.report, workers=options.workers,
                                    max_runtime=options.max_runtime, problems=rows)


def _connect(options: Options) -> tuple[pywikibot.site.APISite, Callable[[], SiteTransfer]]:
    """The logged-in site and the factory of transfers, each with the run's timeouts and pace."""
    site = _logged_in_site()
    pacer = Pacer(options.max_rate) if options.max_rate else None
    return site, partial(SiteTransfer, site, query_timeout=(10.0, options.query_timeout),
                         write_timeout=(10.0, options.upload_timeout),
                         tags=tuple(options.tags), pacer=pacer)


def _check(plan: Plan, screening: preflight.Screening, site: pywikibot.site.APISite,
           new_transfer: Callable[[], SiteTransfer], options: Options,
           journal_path: Path | None) -> int:
    """``-check`` and ``-simulate``: every problem listed, every row forecast."""
    if options.preview:
        check.preview(plan, options.preview)
    for note in screening.notes:
        pywikibot.warning(note)
    plan.problems = screening.problems
    return check.check(plan, new_transfer, site, data=screening.data, journal_path=journal_path,
                       workers=options.workers, max_rate=options.max_rate,
                       report=options.report)


def _row_problems(plan: Plan, screening: preflight.Screening,
                  options: Options) -> list[problems.RowProblem]:
    """The rows the checks found a problem in, each to be settled as its row's outcome.

    A problem of the batch as a whole stops the run here, before anything is
    sent; so does any row's problem with ``-all-or-nothing``.
    """
    if options.preview:
        check.preview(plan, options.preview)
    _stop_for(plan, screening.problems, options)
    for note in screening.notes:
        pywikibot.warning(note)
    return problems.sort_out(plan, screening.problems)[1]


def _stop_for(plan: Plan, found: list[InputError], options: Options) -> None:
    """Stop before anything is sent for a problem of the batch as a whole, or for any
    row's problem with ``-all-or-nothing``; ``-check`` lists them all instead."""
    if options.check or pywikibot.config.simulate:
        return
    batch, rows = problems.sort_out(plan, found)
    if batch or (rows and options.all_or_nothing):
        raise BadRows(found, whole=bool(batch))


def _refuse(bad: BadRows) -> int:
    """Bad input: every problem on a line of its own, and nothing uploaded."""
    for problem in bad.problems:
        pywikibot.error(str(problem))
    why = 'the batch has problems' if bad.whole else \
        f'{len(bad.problems)} problem(s) in rows, and -all-or-nothing'
    pywikibot.error(f'{why}; nothing was uploaded')
    return ExitCode.BAD_INPUT


def _preflight(options: Options) -> preflight.Preflight:
    given = options.licence_templates
    return preflight.Preflight(
        licences=options.licence_check, categories=options.category_check,
        titles=options.title_check, licence_templates=None if given is None else tuple(given),
        tracking_categories=tuple(options.tracking_categories),
        any_extension=options.any_extension, tags=tuple(options.tags),
        mediainfo=options.mediainfo, replace_captions=options.replace_captions,
        commit_held=options.commit_held, retry_refused=options.retry_refused)


def _settings(options: Options, site: pywikibot.site.APISite,
              data: DataSettings | None) -> TaskSettings:
    return TaskSettings(
        chunk_size=options.chunk_size, own_user=site.username(),
        commit_held=options.commit_held, asynchronous=options.asynchronous,
        retry_refused=options.retry_refused,
        downloader=Downloader(options.max_download, allow_local=options.allow_local_urls,
                              timeout=(10.0, options.query_timeout)),
        copy_uploads=site.has_right('upload_by_url'), data=data)


def _progress(items: list[UploadItem]) -> Progress:
    return Progress(len(items), sum(item.size for item in items))


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


def _logged_in_site() -> pywikibot.site.APISite:
    """The logged-in site, set up under the same retries as every request (see api/session.py)."""
    try:
        return logged_in(pywikibot.Site)
    except (PywikibotError, GaveUp) as error:
        raise LoginFailed(f'cannot log in to the wiki: {error}') from None


def _settled_in(journal_path: Path, options: Options) -> preflight.Settled:
    """The rows a journal file holds that this run leaves alone; none before the batch's
    first run."""
    if not journal_path.exists():
        return {}
    with SQLiteJournal(journal_path) as journal:
        return _settled(journal, options)


def _settled(journal: Journal, options: Options) -> preflight.Settled:
    return preflight.settled_files(journal, commit_held=options.commit_held,
                                   retry_refused=options.retry_refused)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))
