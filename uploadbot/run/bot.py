"""The batch loop: one upload task per item, counters, the report, the exit code.

With ``-workers:N`` up to N tasks run at once, each in its own thread with
its own :class:`~uploadbot.api.transfer.SiteTransfer` view (sharing pywikibot's logged-in
session). Outcomes are recorded one at a time, under a lock, in the order
they finish; names claimed by ``rename`` are shared, so two workers never
pick the same free name.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import pywikibot
from pywikibot.bot import BaseBot

from uploadbot.api.lookup import NameClaims
from uploadbot.api.pace import Pacer
from uploadbot.api.protocol import Transfer
from uploadbot.api.session import guard_pywikibot_requests
from uploadbot.api.transfer import SiteTransfer
from uploadbot.batch.plan import Plan
from uploadbot.errors import BatchStop, ExitCode, InputError
from uploadbot.item import UploadItem
from uploadbot.journal.base import Journal
from uploadbot.option_table import default
from uploadbot.state import NEEDS_CHANGE, DataStep, Outcome, State
from uploadbot.upload.commit import BatchAborted
from uploadbot.upload.readahead import ReadAhead
from uploadbot.upload.task import TaskSettings, UploadTask

from . import preflight
from .preflight import Preflight
from .problems import RowProblem, settle, sort_out, without
from .progress import Progress
from .report import Report


class UploadBot(BaseBot):
    """Uploads a planned batch, one :class:`~uploadbot.upload.task.UploadTask` per item."""

    def __init__(
        self,
        items: Iterable[UploadItem],
        transfers: Callable[[], Transfer],
        report: Report,
        *,
        journal: Journal,
        settings: TaskSettings,
        workers: int = default('workers'),
        max_runtime: float | None = None,
        progress: Progress | None = None,
        claims: NameClaims | None = None,
        on_abort: Callable[[], None] | None = None,
        problems: Sequence[RowProblem] = (),
        read_ahead: ReadAhead | None = None,
        **kwargs,
    ) -> None:
        #: Rows the checks before sending found a problem in: settled first, never sent.
        self.problems = list(problems)
        #: A list (a planned batch) or a lazy iterable (rows claimed from a shared journal).
        self.items = without(items, self.problems) if isinstance(items, Sequence) else iter(items)
        super().__init__(generator=self._until_stopped(), **kwargs)
        self.treat_page_type = UploadItem
        self.new_transfer = transfers
        self.report = report
        self.journal = journal
        self.settings = settings
        self.progress = progress or Progress(
            len(self.items) if isinstance(self.items, Sequence) else 0, 0, bars=False
        )
        self.claims = claims or NameClaims()
        self.on_abort = on_abort
        self.aborted = False
        self.out_of_time = False
        self.deadline = None if max_runtime is None else time.monotonic() + max_runtime
        self._transfers: list[Transfer] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._broken: BaseException | None = None
        self._slots = threading.Semaphore(workers)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix='upload') if workers > 1 else None
        #: The next large files' SHA1s, read while one is sent (a planned batch's order only):
        #: ``read_ahead`` when it was started with the plan, before pywikibot loaded.
        if read_ahead is not None:
            read_ahead.use(journal, self.items)
        elif isinstance(self.items, Sequence):
            read_ahead = ReadAhead(self.items, larger_than=settings.chunk_size, journal=journal)
        self._read_ahead = read_ahead

    @classmethod
    def on_site(
        cls,
        site: pywikibot.site.APISite,
        items: Iterable[UploadItem],
        *,
        journal: Journal,
        report: Report | None = None,
        chunk_size: int = default('chunk_size'),
        tags: Iterable[str] = (),
        max_rate: float | None = None,
        checks: Preflight | None = None,
        all_or_nothing: bool = default('all_or_nothing'),
        **options,
    ) -> UploadBot:
        """A bot for a logged-in pywikibot site, with the settings a script rarely changes.

        The items go through the same checks before sending as on the command
        line (``checks``, by default all of them): a row with a problem is
        settled ``invalid`` or ``refused`` when the bot runs, and the others go
        on; with ``all_or_nothing`` any row problem raises
        :class:`~uploadbot.errors.InputError` instead, before anything is sent, as
        does a problem of the batch as a whole (a tag the wiki does not have).
        ``tags`` go on every upload; ``max_rate`` paces publishing requests (per
        second, all workers). ``options`` go to
        :class:`~uploadbot.upload.task.TaskSettings` (``commit_held``,
        ``asynchronous``, ``downloader``, ``retry_refused``) or to the bot
        (``workers``, ``max_runtime``); ``mediainfo=True`` says the wiki keeps
        structured data though its siteinfo does not.
        """
        guard_pywikibot_requests()  # pywikibot's own requests under the bot's retries
        bot_options = {
            key: options.pop(key) for key in ('workers', 'max_runtime', 'progress') if key in options
        }
        tags = tuple(tags)
        checks = replace(
            checks or Preflight(),
            tags=tags,
            mediainfo=options.pop('mediainfo', False) or bool(checks and checks.mediainfo),
            commit_held=options.get('commit_held', False),
            retry_refused=options.get('retry_refused', False),
        )
        pacer = Pacer(max_rate) if max_rate else None

        def new_transfer() -> SiteTransfer:
            return SiteTransfer(site, tags=tags, pacer=pacer)

        plan = Plan(items=list(items))
        screening = preflight.screen(
            plan,
            site,
            new_transfer,
            checks,
            settled=preflight.settled_files(
                journal, commit_held=checks.commit_held, retry_refused=checks.retry_refused
            ),
        )
        batch, rows = sort_out(plan, screening.problems)
        if batch or (rows and all_or_nothing):
            raise InputError('; '.join(str(problem) for problem in screening.problems))
        for note in screening.notes:
            pywikibot.warning(note)
        settings = TaskSettings(
            chunk_size=chunk_size,
            own_user=site.username(),
            copy_uploads=site.has_right('upload_by_url'),
            data=screening.data,
            **options,
        )
        return cls(
            screening.items,
            new_transfer,
            report or Report(),
            journal=journal,
            settings=settings,
            problems=rows,
            **bot_options,
        )

    def skip_page(self, item: UploadItem) -> bool:
        return False

    def treat(self, item: UploadItem) -> None:
        if self._pool is None:
            try:
                self.record(self._upload(item))
            except BatchStop as stop:  # the journal gone for good: as a broken worker
                self._broken = stop
            return
        self._slots.acquire()
        future = self._pool.submit(self._upload, item)
        future.add_done_callback(self._finished)

    def _finished(self, future: Future) -> None:
        """A worker's row is done; a worker that broke (the journal gone) stops the run.

        A done-callback's exception would only be logged: it is kept and raised
        again when the run ends (:meth:`run`), so the run does not exit 0, and
        not through pywikibot's loop, which would add 'Script terminated by
        exception' to the one line the command line prints.
        """
        try:
            self.record(future.result())
        except BaseException as error:
            with self._lock:
                self._broken = self._broken or error
        finally:
            self._slots.release()

    def run(self) -> None:
        self._settle_problems()
        with self._read_ahead or contextlib.nullcontext():
            super().run()
        if self._broken is not None:
            raise self._broken

    def _settle_problems(self) -> None:
        """Each row with a problem ends ``invalid`` or ``refused``, recorded before any upload."""
        for problem in self.problems:
            outcome = settle(
                self.journal,
                problem,
                commit_held=self.settings.commit_held,
                retry_refused=self.settings.retry_refused,
            )
            if outcome is not None:
                self.record(outcome)

    def exit(self) -> None:
        """Tear down and wait for pywikibot's threads, printing nothing more.

        Works around pywikibot's ``BaseBot.exit()``, which prints the counter
        (``5 uploaded operations``, true of no re-run), an execution time in whole
        seconds (empty under one) and ``Script terminated successfully.`` whatever
        the exit code: the run's one tally is the summary line :meth:`teardown` prints.
        """
        self.teardown()
        pywikibot.stopme()

    def should_stop(self) -> bool:
        """Whether to start no more rows: aborted, out of time, or a worker broke."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.out_of_time = True
        return self.aborted or self.out_of_time or self._broken is not None

    def _upload(self, item: UploadItem) -> Outcome:
        task = UploadTask(
            self._transfer(),
            item,
            journal=self.journal,
            settings=self.settings,
            claims=self.claims,
            on_sent=self.progress.for_file(item.filename, item.size),
            read_ahead=self._read_ahead,
        )
        try:
            return task.run()
        except BatchAborted as stop:
            self.aborted = True
            if self.on_abort is not None:
                self.on_abort()
            return stop.outcome

    def _transfer(self) -> Transfer:
        """This thread's transfer (made on first use)."""
        transfer = getattr(self._local, 'transfer', None)
        if transfer is None:
            transfer = self._local.transfer = self.new_transfer()
            with self._lock:
                self._transfers.append(transfer)
        return transfer

    def _until_stopped(self) -> Iterator[UploadItem]:
        """The items, until the policy aborts or the run-time budget is spent.

        The budget is checked between files only: a file under way is finished
        and recorded, so the next run starts from a clean state. Asked before
        the next item is taken: a claimed item is not taken only to be dropped.
        """
        items = iter(self.items)
        while not self.should_stop():
            try:
                item = next(items)
            except StopIteration:
                return
            except BatchStop as stop:  # the journal claims come from is gone for good
                self._broken = stop
                return
            yield item

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self.report.add(outcome)
            self.counter[outcome.outcome] += 1
        self.progress.row_done(outcome.line())

    def teardown(self) -> None:
        """Wait for the workers; rows not attempted after an abort are reported ``aborted``."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self.aborted:
            for item in self._remaining():
                self.record(
                    Outcome(
                        row=item.row,
                        file=item.source or str(item.path),
                        filename=item.filename,
                        outcome=State.ABORTED,
                        message='not attempted: the batch stopped',
                    )
                )
        self.progress.close()
        self.report.close()
        if self.out_of_time:
            left = (
                f'{len(self._remaining())} row(s)'
                if isinstance(self.items, Sequence)
                else 'the open rows are'
            )
            pywikibot.info(f'stopped: the run-time budget is spent; {left} left for the next run')
        sent = sum(transfer.counters.bytes_sent for transfer in self._transfers)
        requests = sum(transfer.counters.requests for transfer in self._transfers)
        pywikibot.info(self.report.summary(sent, requests))
        waiting = sum(
            1 for outcome in self.report.outcomes if outcome.outcome in NEEDS_CHANGE and outcome.earlier
        )
        if waiting:
            pywikibot.info(
                f'{waiting} row(s) refused or found invalid by an earlier run wait '
                'for a person to change them (or -retry-refused); -status lists them'
            )

    def _remaining(self) -> list[UploadItem]:
        """Planned rows not yet done (rows claimed from a shared journal stay there)."""
        if not isinstance(self.items, Sequence):
            return []
        done = {outcome.row for outcome in self.report.outcomes}
        return [item for item in self.items if item.row not in done]

    def exit_code(self) -> ExitCode:
        """The run's exit code; rows refused by an earlier run do not make it non-zero.

        A scheduled job so mails once per new problem: a refusal, or a problem
        the checks before sending found, is reported (code 6) by the run that
        met it, and later runs, which leave the row alone, exit 0 and only say
        how many rows wait for a person.
        """
        counts = self.report.counts()
        if self.aborted:
            return ExitCode.ABORTED
        if counts[State.FAILED] or any(
            outcome.structured in (DataStep.PENDING, DataStep.FAILED) for outcome in self.report.outcomes
        ):
            return ExitCode.FAILED
        if any(outcome.outcome in NEEDS_CHANGE and not outcome.earlier for outcome in self.report.outcomes):
            return ExitCode.REFUSED
        if counts[State.HELD]:
            return ExitCode.HELD
        return ExitCode.OK
