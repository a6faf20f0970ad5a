"""``-audit``: what became of every file the batch published, remembered across audits.

Each published row of the journal (its final title) is asked about in
batched queries (:mod:`uploadbot.api.audit_queries`) and settled as ``fine`` or with
one or more findings (:class:`~uploadbot.state.Fate`). The journal keeps each
row's findings and when an audit first saw each; the exit code signals only
problems new since the last audit (:attr:`~uploadbot.errors.ExitCode.NEW_FINDINGS`),
so a daily audit mails once per new finding. A finding that no longer holds
(a deleted file a later run uploaded again) is dropped: the row is ``fine``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pywikibot

from uploadbot.api import audit_queries as questions
from uploadbot.api.audit_queries import LogEntry, Nominations, PageFacts
from uploadbot.api.lookup import Querier, titles_per_query
from uploadbot.api.transfer import SiteTransfer
from uploadbot.errors import ExitCode
from uploadbot.journal.base import Journal, Record
from uploadbot.names import normalize_title
from uploadbot.state import PROBLEM_FATES, PUBLISHED, Fate, Finding, Outcome

from .report import Report


def findings_of(
    record: Record, facts: PageFacts, removal: LogEntry | None, *, own_user: str, nominations: Nominations
) -> list[tuple[Fate, str]]:
    """A published row's findings (none: it is ``fine``), each with its one-line detail.

    ``edited`` is said only when nothing else explains the latest revision by
    another account (a move, a new version and a nomination each make one).
    """
    if facts.missing:
        if removal is not None and removal.action == 'move':
            return [
                (
                    Fate.MOVED,
                    f'to {removal.target} | by {removal.user}, {removal.timestamp}, without a redirect',
                )
            ]
        if removal is not None:
            return [
                (
                    Fate.DELETED,
                    f'by {removal.user}, {removal.timestamp}: {removal.comment or "no reason given"}',
                )
            ]
        return [(Fate.DELETED, 'the page is gone; the log says nothing of it')]
    found: list[tuple[Fate, str]] = []
    if facts.moved_to:
        found.append((Fate.MOVED, f'to {facts.moved_to}'))
    if facts.fileless:
        found.append((Fate.DELETED, 'the description page stands without its file'))
    elif (
        record.sha1 and facts.sha1 and facts.sha1 != record.sha1 and not _same_user(facts.uploader, own_user)
    ):
        found.append((Fate.OVERWRITTEN, f'by {facts.uploader}, {facts.uploaded} (SHA1 {facts.sha1})'))
    marks = nominations.marks(facts.templates, facts.categories)
    if marks:
        found.append((Fate.NOMINATED, ', '.join(marks)))
    if not found and facts.editor and not _same_user(facts.editor, own_user):
        found.append((Fate.EDITED, f'by {facts.editor}, {facts.edited}'))
    return found


def _same_user(one: str, other: str) -> bool:
    return normalize_title(one) == normalize_title(other)


@dataclass
class Audit:
    """One audit's result: every finding, which are new, and the rows asked about."""

    rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    new: list[Finding] = field(default_factory=list)

    def exit_code(self) -> ExitCode:
        """Exit 7 for a problem no earlier audit saw; ``edited`` alone is informational."""
        if any(finding.fate in PROBLEM_FATES for finding in self.new):
            return ExitCode.NEW_FINDINGS
        return ExitCode.OK

    def summary(self, requests: int, seconds: float) -> str:
        """One line: rows per finding, how many findings are new, the cost."""
        counts = {fate: 0 for fate in Fate}
        counts[Fate.FINE] = self.rows - len({finding.key for finding in self.findings})
        for finding in self.findings:
            counts[finding.fate] += 1
        parts = [f'{counts[fate]} {fate}' for fate in Fate if counts[fate]]
        return (
            f'audit: {self.rows} published rows: {", ".join(parts) or "none"}; '
            f'{len(self.new)} new finding(s); {requests} requests, {seconds:.2f} s'
        )


def audit(
    journal: Journal,
    wiki: Querier,
    *,
    own_user: str,
    per_query: int,
    nominations: Nominations,
    page_url: Callable[[str], str],
    report: Report | None = None,
    now: float | None = None,
) -> Audit:
    """Ask the wiki about every published row, keep the findings, write the report."""
    now = time.time() if now is None else now
    earlier = {(finding.key, finding.fate): finding for finding in journal.findings()}
    result = Audit()
    removals: dict[str, LogEntry | None] = {}
    for group in _groups(journal.records_in(PUBLISHED), per_query):
        titles = {record.key: questions.file_title(record.title) for record in group}
        facts = questions.page_facts(wiki, titles.values(), nominations=nominations, per_query=per_query)
        for record in group:
            result.rows += 1
            page = facts[titles[record.key]]
            if page.missing and page.title not in removals:  # one query per file gone
                removals[page.title] = questions.last_removal(wiki, page.title)
            removal = removals.get(page.title) if page.missing else None
            for fate, detail in findings_of(
                record, page, removal, own_user=own_user, nominations=nominations
            ):
                seen = earlier.get((record.key, fate))
                finding = Finding(
                    record.source, record.filename, fate, detail, seen.first_seen if seen else now
                )
                result.findings.append(finding)
                if seen is None:
                    result.new.append(finding)
    journal.keep_findings(result.findings)
    new = {(finding.key, finding.fate) for finding in result.new}
    for finding in result.findings:
        mark = 'new' if (finding.key, finding.fate) in new else 'seen'
        pywikibot.output(f'{finding.fate:<11} {finding.filename} ({mark}): {finding.detail}')
    if report is not None:
        _write_report(journal, result, report, page_url)
    return result


def _groups(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    group: list[Record] = []
    for record in records:
        if record.title:
            group.append(record)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _write_report(journal: Journal, result: Audit, report: Report, page_url: Callable[[str], str]) -> None:
    """Problems first (rows with a problem, then rows only edited), then the fine rows.

    Each row's ``warnings`` are its findings' names; its ``message`` says each
    with its detail and a link; ``outcome`` stays the row's own.
    """
    by_row: dict[tuple[str, str], list[Finding]] = {}
    for finding in result.findings:
        by_row.setdefault(finding.key, []).append(finding)

    def rank(record: Record) -> int:
        fates = {finding.fate for finding in by_row.get(record.key, [])}
        return 0 if fates & PROBLEM_FATES else 1 if fates else 2

    for wanted in (0, 1, 2):
        for record in journal.records_in(PUBLISHED):
            if record.title and rank(record) == wanted:
                report.add(_outcome(record, by_row.get(record.key, []), page_url))
    report.close()


def _outcome(record: Record, findings: list[Finding], page_url: Callable[[str], str]) -> Outcome:
    if not findings:
        names, message = (str(Fate.FINE),), ''
    else:
        names = tuple(str(finding.fate) for finding in findings)
        message = '; '.join(
            f'{finding.fate} {finding.detail} <{_link(record, finding, page_url)}>' for finding in findings
        )
    return record.outcome(warnings=names, message=message, attempts=0, earlier=True)


def _link(record: Record, finding: Finding, page_url: Callable[[str], str]) -> str:
    """Where a person sees the finding: the page moved to, or the row's own title (whose
    page shows the deletion log when the file was deleted)."""
    if finding.fate is Fate.MOVED and finding.detail.startswith('to '):
        return page_url(finding.detail[3:].split(' | ')[0])  # '|' is in no title
    return page_url(record.title)


def run_audit(
    journal: Journal,
    site: pywikibot.site.APISite,
    wiki: SiteTransfer,
    *,
    nominations: Nominations,
    report: Report | None,
) -> ExitCode:
    """The command line's ``-audit`` on an open journal: findings, the summary, the exit code."""
    started = time.monotonic()
    result = audit(
        journal,
        wiki,
        own_user=site.username(),
        per_query=titles_per_query(site.has_right('apihighlimits')),
        nominations=nominations,
        page_url=index_url(wiki.api_url),
        report=report,
    )
    pywikibot.output(result.summary(wiki.counters.requests, time.monotonic() - started))
    return result.exit_code()


def index_url(api_url: str) -> Callable[[str], str]:
    """Links to pages of the wiki whose API is at ``api_url``."""
    base = api_url.rsplit('/', 1)[0] + '/index.php?title='
    return lambda title: base + quote(title.replace(' ', '_'), safe=':/')
