"""The batch loop: one upload task per item, counters, the report, the exit code."""

from __future__ import annotations

import time
from collections.abc import Iterable

import pywikibot
from pywikibot.bot import BaseBot

from . import outcome as oc
from .outcome import Outcome
from .report import Report
from .task import BatchAborted, UploadItem, UploadTask
from .journal import Journal
from .transfer import Transfer

#: Exit codes (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_HELD = 3
EXIT_ABORTED = 4


class UploadBot(BaseBot):
    """Uploads a planned batch, one :class:`~uploadbot.task.UploadTask` per item."""

    def __init__(self, items: Iterable[UploadItem], transfer: Transfer, report: Report, *,
                 journal: Journal, chunk_size: int, commit_held: bool = False,
                 max_runtime: float | None = None, **kwargs) -> None:
        self.items = list(items)
        super().__init__(generator=self._until_aborted(), **kwargs)
        self.treat_page_type = UploadItem
        self.transfer = transfer
        self.report = report
        self.journal = journal
        self.chunk_size = chunk_size
        self.commit_held = commit_held
        self.own_user = transfer.site.username()
        self.aborted = False
        self.deadline = None if max_runtime is None else time.monotonic() + max_runtime
        self.out_of_time = False

    def skip_page(self, item: UploadItem) -> bool:
        return False

    def treat(self, item: UploadItem) -> None:
        task = UploadTask(self.transfer, item, journal=self.journal,
                          chunk_size=self.chunk_size, own_user=self.own_user,
                          commit_held=self.commit_held)
        try:
            self.record(task.run())
        except BatchAborted as stop:
            self.record(stop.outcome)
            self.aborted = True

    def _until_aborted(self):
        """The items, until the policy aborts or the run-time budget is spent.

        The budget is checked between files only: a file under way is finished
        and recorded, so the next run starts from a clean state.
        """
        for item in self.items:
            if self.aborted:
                return
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.out_of_time = True
                return
            yield item

    def record(self, outcome: Outcome) -> None:
        self.report.add(outcome)
        self.counter[outcome.outcome] += 1
        pywikibot.info(outcome.line())

    def teardown(self) -> None:
        """Rows not attempted after an abort are reported ``aborted`` too."""
        if self.aborted:
            for item in self._remaining():
                self.record(Outcome(row=item.row, file=item.source or str(item.path),
                                    filename=item.filename, outcome=oc.ABORTED,
                                    message='not attempted: the batch stopped'))
        self.report.close()
        if self.out_of_time:
            left = len(self.items) - len(self.report.outcomes)
            pywikibot.info(f'stopped: the run-time budget is spent; {left} row(s) left for '
                           'the next run')
        counters = self.transfer.counters
        pywikibot.info(self.report.summary(counters.bytes_sent, counters.requests))

    def _remaining(self) -> list[UploadItem]:
        done = {outcome.row for outcome in self.report.outcomes}
        return [item for item in self.items if item.row not in done]

    def exit_code(self) -> int:
        counts = self.report.counts()
        if self.aborted:
            return EXIT_ABORTED
        if counts[oc.FAILED]:
            return EXIT_FAILED
        if counts[oc.HELD]:
            return EXIT_HELD
        return EXIT_OK
