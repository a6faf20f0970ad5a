"""The parts of a run as its options make them: the plan, the checks, the site, the settings.

The command line builds a run from :class:`~uploadbot.options.Options` with
these, and nothing else does it another way: an option is turned into the
object that uses it in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pywikibot
from pywikibot.exceptions import Error as PywikibotError

from .api.download import Downloader
from .api.pace import Pacer
from .api.retry import GaveUp
from .api.session import logged_in
from .api.transfer import SiteTransfer
from .batch.plan import Plan
from .errors import BatchStop
from .item import UploadItem
from .journal.base import Journal
from .journal.sqlite import SQLiteJournal
from .options import Options
from .run import preflight
from .run.progress import Progress
from .upload.mediainfo_edit import DataSettings
from .upload.task import TaskSettings


class LoginFailed(BatchStop):
    """pywikibot could not log in: nothing can be uploaded."""


def connect(options: Options) -> tuple[pywikibot.site.APISite, Callable[[], SiteTransfer]]:
    """The logged-in site and the factory of transfers, each with the run's timeouts and pace."""
    site = _logged_in_site()
    pacer = Pacer(options.max_rate) if options.max_rate else None
    return site, partial(
        SiteTransfer,
        site,
        query_timeout=(10.0, options.query_timeout),
        write_timeout=(10.0, options.upload_timeout),
        tags=tuple(options.tags),
        pacer=pacer,
    )


def checks(options: Options) -> preflight.Preflight:
    given = options.licence_templates
    return preflight.Preflight(
        licences=options.licence_check,
        categories=options.category_check,
        titles=options.title_check,
        licence_templates=None if given is None else tuple(given),
        tracking_categories=tuple(options.tracking_categories),
        any_extension=options.any_extension,
        tags=tuple(options.tags),
        mediainfo=options.mediainfo,
        replace_captions=options.replace_captions,
        commit_held=options.commit_held,
        retry_refused=options.retry_refused,
    )


def task_settings(options: Options, site: pywikibot.site.APISite, data: DataSettings | None) -> TaskSettings:
    return TaskSettings(
        chunk_size=options.chunk_size,
        own_user=site.username(),
        commit_held=options.commit_held,
        asynchronous=options.asynchronous,
        retry_refused=options.retry_refused,
        downloader=Downloader(
            options.max_download, allow_local=options.allow_local_urls, timeout=(10.0, options.query_timeout)
        ),
        copy_uploads=site.has_right('upload_by_url'),
        data=data,
    )


def progress(items: list[UploadItem]) -> Progress:
    return Progress(len(items), sum(item.size for item in items))


def _logged_in_site() -> pywikibot.site.APISite:
    """The logged-in site, set up under the same retries as every request (see api/session.py)."""
    try:
        return logged_in(pywikibot.Site)
    except (PywikibotError, GaveUp) as error:
        raise LoginFailed(f'cannot log in to the wiki: {error}') from None


def screen(
    plan: Plan,
    site: pywikibot.site.APISite,
    new_transfer: Callable[[], SiteTransfer],
    options: Options,
    journal: Journal | Path,
) -> preflight.Screening:
    """The checks before sending (:func:`uploadbot.run.preflight.screen`), passing over
    the rows ``journal`` (or the journal file at that path, if any) has settled."""
    settled = _settled_in(journal, options) if isinstance(journal, Path) else _settled(journal, options)
    return preflight.screen(plan, site, new_transfer, checks(options), settled=settled)


def _settled_in(journal_path: Path, options: Options) -> preflight.Settled:
    """The rows a journal file holds that this run leaves alone; none before the batch's
    first run."""
    if not journal_path.exists():
        return {}
    with SQLiteJournal(journal_path) as journal:
        return _settled(journal, options)


def _settled(journal: Journal, options: Options) -> preflight.Settled:
    return preflight.settled_files(
        journal, commit_held=options.commit_held, retry_refused=options.retry_refused
    )
