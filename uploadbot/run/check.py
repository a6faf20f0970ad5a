"""``-check``, ``-simulate`` and ``-preview``: what a batch would do, nothing written to the wiki."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pywikibot

from uploadbot.api import lookup, render
from uploadbot.api.transfer import SiteTransfer
from uploadbot.batch.plan import Plan
from uploadbot.errors import ExitCode
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.state import Outcome
from uploadbot.upload.forecast import forecast, table
from uploadbot.upload.hashes import Hashes
from uploadbot.upload.mediainfo_edit import DataSettings

from . import mediainfo_checks, preflight
from .lock import AlreadyRunning, RunLock
from .progress import Steps
from .report import Report


def check(
    plan: Plan,
    new_transfer: Callable[[], SiteTransfer],
    site: pywikibot.site.APISite,
    *,
    data: DataSettings | None,
    journal_path: Path | None,
    workers: int = 1,
    max_rate: float | None = None,
    report: Path | None = None,
    preview: Path | None = None,
    preview_rows: int | None = None,
) -> ExitCode:
    """Forecast every row with read queries; write nothing to the wiki.

    The files' hashes are kept in the journal (the bot's own state, not the
    wiki's), under the run lock, so the next -check or the upload reads no
    file again (a batch on a server journal keeps none).
    """
    transfer = new_transfer()
    with _hash_journal(journal_path) as journal:
        forecasts, repeats = forecast(
            transfer,
            plan.items,
            own_user=site.username(),
            manifest=str(plan.manifest_path),
            hashes=Hashes(journal),
            workers=workers,
            transfers=new_transfer,
            progress=Steps,
            per_query=lookup.titles_per_query(site.has_right('apihighlimits')),
        )
    problems = plan.problems + repeats
    pywikibot.stdout(table(forecasts, problems))
    if preview is not None:
        _rendered_preview(plan, forecasts, problems, site, new_transfer, preview, preview_rows, workers)
    lines = mediainfo_checks.check_lines(plan.items, transfer, data)
    lines += preflight.pace_lines(transfer, len(plan.items), max_rate)
    if lines:
        pywikibot.stdout('\n'.join(lines))
    if pywikibot.config.simulate and report:
        simulated = Report(report)
        for item in forecasts:
            simulated.add(
                Outcome(
                    row=item.row,
                    file=item.source,
                    filename=item.filename,
                    outcome=item.outcome,
                    warnings=item.warnings,
                    sha1=item.sha1,
                    message=f'simulated: {item.message}'.rstrip(': '),
                    attempts=0,
                )
            )
        simulated.close()
    return ExitCode.BAD_INPUT if problems else ExitCode.OK


@contextmanager
def _hash_journal(journal_path: Path | None) -> Iterator[SQLiteJournal | None]:
    """The journal, locked, for -check's hashes; None when another run holds it
    (or the batch's journal is on a server, which keeps no hashes of -check)."""
    held, journal = ExitStack(), None
    if journal_path is None:
        yield None
        return
    try:
        lock = held.enter_context(RunLock(journal_path))
        journal = held.enter_context(SQLiteJournal(journal_path))
        if lock.took_over:
            pywikibot.warning(lock.takeover_message())
    except AlreadyRunning as running:
        pywikibot.warning(f"{running}; the files' hashes are not kept this time")
    except (OSError, sqlite3.Error) as error:
        held.close()
        journal = None
        pywikibot.warning(f"cannot keep the files' hashes in {journal_path}: {error}")
    with held:
        yield journal


def _rendered_preview(
    plan: Plan,
    forecasts: list,
    problems: list,
    site: pywikibot.site.APISite,
    new_transfer: Callable[[], SiteTransfer],
    folder: Path,
    rows: int | None,
    workers: int,
) -> None:
    """``-check -preview:DIR``: the batch's review pages, rendered by the wiki."""
    from .preview import Wiki, write_preview  # Jinja2 and Pillow: only for a preview

    repo_site = site.data_repository() if hasattr(site, 'data_repository') else None
    repo = None
    if any(item.structured.statements for item in plan.items):
        repo = new_transfer() if repo_site in (None, site) else SiteTransfer(repo_site, assert_user=False)
    article, _, _ = render.site_addresses(site)
    wiki = Wiki(
        new_transfer(),
        article,
        render.site_styles(site),
        repo=repo,
        languages=(site.lang, 'en'),
        workers=workers,
        new_transfer=new_transfer,
    )
    root = plan.manifest_path.parent if plan.manifest_path else Path('.')
    if plan.manifest_path and plan.manifest_path.is_dir():
        root = plan.manifest_path
    count = write_preview(folder, plan.items, forecasts, problems, wiki, rows=rows, root=root, progress=Steps)
    pywikibot.info(
        f'preview: {folder / "index.html"} ({len(plan.items)} rows, {count} '
        f'rendered by the wiki in {wiki.parses} parse requests)'
    )


def preview(plan: Plan, folder: Path) -> None:
    """Each row's description page as a file, for a person to read before uploading."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in plan.items:
        (folder / f'row {item.row:05d} {item.filename}.wiki').write_text(item.text, encoding='utf-8')
    pywikibot.info(f'preview: {len(plan.items)} description pages written to {folder}')
