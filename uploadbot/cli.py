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
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pywikibot
from pywikibot.exceptions import Error as PywikibotError

from . import from_options
from .api.pwbdir import log_header_only_where_read, make_logs_folder, missing_user_config
from .api.retry import GaveUp
from .api.session import under_retries
from .api.transfer import SiteTransfer
from .batch.plan import Plan
from .command import without_wiki
from .errors import BatchStop, ExitCode, InputError, RowFailure, unusable_file
from .journal.base import Journal
from .journal.sqlite import SQLiteJournal, default_path
from .options import Options
from .planning import Planned, plan_batch
from .run import check, logpage, pages, preflight, problems
from .run.bot import UploadBot
from .run.lock import RunLock
from .run.report import Report, is_page


class BadRows(InputError):
    """Problems that stop the run before anything is sent: each printed on a line of its own.

    ``whole``: some are problems of the batch as a whole (else ``-all-or-nothing``
    made rows' problems stop it).
    """

    def __init__(self, problems: list[InputError], *, whole: bool) -> None:
        super().__init__(f'{len(problems)} problem(s)')
        self.problems = problems
        self.whole = whole


def main(*args: str, planned: Planned | None = None) -> int:
    """Run the bot with pywikibot-style arguments; returns the exit code.

    ``planned``: the plan :mod:`uploadbot.__main__` made before pywikibot loaded.
    """
    try:
        return _main(args, planned)
    finally:
        if planned is not None:
            planned.close()


def _main(args: tuple[str, ...], planned: Planned | None) -> int:
    answered = without_wiki(args)  # -help, -status: no site, no login
    if answered is not None:
        return answered
    missing = missing_user_config()
    if missing:  # pywikibot's defaults would have the run try Wikipedia for minutes
        pywikibot.error(missing)
        return ExitCode.FAILED
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
        options = Options.parse(local_args)
        if planned is not None and planned.options != options:
            planned.close()  # made for other options: the run plans again, reading nothing ahead
            planned = None
        return _run(options, planned)
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
    except PywikibotError as trouble:  # the wiki went away after the login
        pywikibot.error(f'the wiki could not be reached: {trouble}')
        return ExitCode.FAILED
    except (sqlite3.DatabaseError, OSError) as error:
        pywikibot.error(unusable_file(error))
        return ExitCode.BAD_INPUT


def _handle_args(args: tuple[str, ...]) -> list[str]:
    """pywikibot's global options; this already makes the site and asks the wiki who we are."""
    make_logs_folder()  # before handle_args makes it: runs started at once race (see pwbdir)
    log_header_only_where_read()
    with warnings.catch_warnings():
        # Under pwb, pwb has handled the global options and made the site
        # already; pywikibot's warning about that is meant for scripts that
        # make a site before handling their options, which this one does not.
        warnings.filterwarnings('ignore', 'Site objects have been created before arguments')
        return pywikibot.handle_args(args, do_help=False)


def _run(options: Options, planned: Planned | None = None) -> int:
    """``planned``: the plan of these very options, made before pywikibot loaded."""
    if options.audit:
        return _audit(options)
    if options.journal_url:
        return _run_shared(options)
    if options.manifest is None:
        raise InputError('no manifest: give -manifest:FILE (see uploadbot -help)')
    journal_path = options.journal or default_path(options.manifest)
    plan = planned.plan if planned is not None else plan_batch(options)
    _stop_for(plan, plan.problems, options)  # found without the wiki: before logging in
    site, new_transfer = from_options.connect(options)
    if options.check or pywikibot.config.simulate:
        if planned is not None:
            planned.close()  # a forecast sends nothing: it needs no SHA1 read ahead
        screening = from_options.screen(plan, site, new_transfer, options, journal_path)
        return _check(plan, screening, site, new_transfer, options, journal_path)
    with RunLock(journal_path) as lock, SQLiteJournal(journal_path) as journal:
        if lock.took_over:
            pywikibot.warning(lock.takeover_message())
        screening = from_options.screen(plan, site, new_transfer, options, journal)
        rows = _row_problems(plan, screening, options)
        bot = UploadBot(
            screening.items,
            new_transfer,
            Report(options.report),
            journal=journal,
            settings=from_options.task_settings(options, site, screening.data),
            workers=options.workers,
            max_runtime=options.max_runtime,
            problems=rows,
            progress=from_options.progress(screening.items),
            read_ahead=planned and planned.read_ahead,
        )
        if planned is not None:
            planned.release_journal()  # the read-ahead asks the run's journal now
        bot.run()
        if options.log_page:
            _log(
                journal,
                new_transfer,
                options,
                Counter(str(outcome.outcome) for outcome in bot.report.outcomes if not outcome.earlier),
            )
        if is_page(options.report):
            pywikibot.info(pages.batch_report(journal, options.report, manifest=options.manifest))
    return bot.exit_code()


def _audit(options: Options) -> int:
    """``-audit``: what became of the batch's published files (:mod:`uploadbot.run.audit`)."""
    from .api.audit_queries import Nominations
    from .run import audit

    nominations = Nominations.from_names(options.nominations) if options.nominations else Nominations()
    if options.journal_url:
        from .run import shared  # SQLAlchemy and the drivers: only for a server journal

        journal: Journal = shared.open_journal(
            options.journal_url,
            options.journal_cnf,
            root=Path('.'),
            batch=shared.batch_name(options.manifest, options.batch),
        )
    else:
        if options.journal is None and options.manifest is None:
            raise InputError('-audit needs the batch: give -manifest:FILE or -journal:FILE')
        path = options.journal or default_path(options.manifest)
        if not path.exists():
            raise InputError(f'no journal at {path}: nothing has run on this batch yet')
        journal = SQLiteJournal(path)
    with journal:
        site, new_transfer = from_options.connect(options)
        page = is_page(options.report)
        code = audit.run_audit(
            journal,
            site,
            new_transfer(),
            nominations=nominations,
            report=Report(options.report) if options.report and not page else None,
        )
        if page:
            pywikibot.info(
                pages.batch_report(journal, options.report, manifest=options.manifest, root=options.root)
            )
        return code


def _run_shared(options: Options) -> int:
    """A batch that runs on several machines share through a server journal."""
    from .run import shared  # SQLAlchemy and the drivers: only for a server journal

    batch = shared.batch_name(options.manifest, options.batch)
    if options.manifest is None and (options.check or pywikibot.config.simulate):
        raise InputError(
            '-check and -simulate forecast the rows of a manifest: give -manifest: with -journal:URL'
        )
    root = shared.root_folder(options.manifest, options.root)
    plan = plan_batch(options) if options.manifest is not None else Plan()
    _stop_for(plan, plan.problems, options)
    with shared.open_journal(
        options.journal_url,
        options.journal_cnf,
        batch=batch,
        root=root,
        commit_held=options.commit_held,
        retry_refused=options.retry_refused,
        lease=options.lease or shared.LEASE_SECONDS,
    ) as journal:
        site, new_transfer = from_options.connect(options)
        if options.manifest is None:  # the batch's structured data, from what it holds
            plan.items = journal.items()
        screening = from_options.screen(plan, site, new_transfer, options, journal)
        if options.check or pywikibot.config.simulate:
            return _check(plan, screening, site, new_transfer, options, None)
        rows = _row_problems(plan, screening, options)
        planned = screening.items if options.manifest is not None else None
        code = shared.upload_shared(
            planned,
            journal,
            new_transfer,
            from_options.task_settings(options, site, screening.data),
            report=options.report,
            workers=options.workers,
            max_runtime=options.max_runtime,
            problems=rows,
        )
        if options.log_page:
            _log(journal, new_transfer, options, None)
        if is_page(options.report):
            pywikibot.info(pages.batch_report(journal, options.report, manifest=options.manifest, root=root))
        return code


def _log(
    journal: Journal, new_transfer: Callable[[], SiteTransfer], options: Options, counts: Counter[str] | None
) -> None:
    """``-log-page``: the run's section on the batch's log page; a failure is one line."""
    try:
        pywikibot.info(
            logpage.log_run(
                journal,
                new_transfer(),
                options.log_page,
                summary=options.summary,
                tags=tuple(options.tags),
                counts=counts,
            )
        )
    except (RowFailure, PywikibotError) as trouble:
        pywikibot.error(
            f'the log page {options.log_page} was not edited: {trouble} (the next run lists these files)'
        )


def _check(
    plan: Plan,
    screening: preflight.Screening,
    site: pywikibot.site.APISite,
    new_transfer: Callable[[], SiteTransfer],
    options: Options,
    journal_path: Path | None,
) -> int:
    """``-check`` and ``-simulate``: every problem listed, every row forecast."""
    for note in screening.notes:
        pywikibot.warning(note)
    plan.problems = screening.problems
    return check.check(
        plan,
        new_transfer,
        site,
        data=screening.data,
        journal_path=journal_path,
        workers=options.workers,
        max_rate=options.max_rate,
        report=options.report,
        preview=options.preview,
        preview_rows=options.preview_rows,
    )


def _row_problems(plan: Plan, screening: preflight.Screening, options: Options) -> list[problems.RowProblem]:
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
    why = (
        'the batch has problems'
        if bad.whole
        else f'{len(bad.problems)} problem(s) in rows, and -all-or-nothing'
    )
    pywikibot.error(f'{why}; nothing was uploaded')
    return ExitCode.BAD_INPUT


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(*sys.argv[1:]))
