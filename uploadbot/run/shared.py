"""A batch shared by several runs through a journal on a database server.

Each run (on any machine) loads the rows it planned into the journal — rows
already there are left alone — and then uploads the rows it *claims*, not
the rows it planned (see :mod:`uploadbot.journal.server` and
:mod:`uploadbot.run.claims`). A run given no manifest only works on what the
journal holds: ``-journal:URL -batch:NAME -root:DIR``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pywikibot

from uploadbot.api.lookup import NameClaims
from uploadbot.api.protocol import Transfer
from uploadbot.errors import ExitCode, InputError
from uploadbot.item import UploadItem
from uploadbot.journal.connect import check_connection, create_journal_engine
from uploadbot.journal.lease import LEASE_SECONDS
from uploadbot.journal.server import ServerJournal
from uploadbot.upload.task import TaskSettings

from . import status
from .bot import UploadBot
from .claims import claimed
from .problems import RowProblem, without
from .progress import Progress
from .report import Report


def batch_name(manifest: Path | None, given: str | None) -> str:
    """``-batch:NAME``, else the manifest's own name (the same on every machine)."""
    if given:
        return given
    if manifest is None:
        raise InputError('a run without -manifest: needs -batch:NAME to join a shared batch')
    return manifest.resolve().name


def root_folder(manifest: Path | None, given: Path | None) -> Path:
    """What the rows' paths are relative to: ``-root:``, else the manifest's folder."""
    if given is not None:
        return given.resolve()
    if manifest is None:
        raise InputError(
            "a run without -manifest: needs -root:DIR, the folder the batch's "
            'paths start from on this machine'
        )
    manifest = manifest.resolve()
    return manifest if manifest.is_dir() else manifest.parent


def open_journal(
    url: str,
    credentials: Path | None,
    *,
    batch: str,
    root: Path,
    commit_held: bool = False,
    retry_refused: bool = False,
    lease: float = LEASE_SECONDS,
) -> ServerJournal:
    """The batch's journal on the server, the login checked at once: a server that cannot
    be reached at the start stops the run at once (a wrong address shows at once);
    one that goes away later is waited for (:mod:`uploadbot.journal.outage`)."""
    engine = create_journal_engine(url, credentials)
    check_connection(engine)
    return ServerJournal(
        engine, batch, root, commit_held=commit_held, retry_refused=retry_refused, lease=lease
    )


def upload_shared(
    items: list[UploadItem] | None,
    journal: ServerJournal,
    new_transfer: Callable[[], Transfer],
    settings: TaskSettings,
    *,
    report: Path | None,
    workers: int,
    max_runtime: float | None,
    problems: Sequence[RowProblem] = (),
) -> ExitCode:
    """Load this run's rows, then upload the rows it claims until none is open.

    Rows with ``problems`` are not loaded as rows to send: the bot settles them
    (``invalid`` or ``refused``) before it claims anything.
    """
    if items is not None:
        items = without(items, problems)
        added = journal.enlist(items)
        pywikibot.info(f'journal: {added} new row(s) of {len(items)} loaded into batch {journal.batch!r}')
    bot: UploadBot | None = None

    def should_stop() -> bool:
        return bot is not None and bot.should_stop()

    bot = UploadBot(
        claimed(journal, should_stop=should_stop),
        new_transfer,
        Report(report),
        journal=journal,
        settings=settings,
        workers=workers,
        max_runtime=max_runtime,
        claims=NameClaims(reserve=journal.reserve_name),
        on_abort=journal.stop_batch,
        progress=Progress(journal.open_rows(), 0),
        problems=problems,
    )
    bot.run()
    return bot.exit_code()


def show_status(journal: ServerJournal, where: str) -> ExitCode:
    pywikibot.stdout(status.render(journal, where))
    return ExitCode.OK
