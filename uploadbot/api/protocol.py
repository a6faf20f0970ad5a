"""The seam between the upload layer and the wire.

The upload task, the stash and the commit need only these requests of the
Upload API. :class:`~uploadbot.api.transfer.SiteTransfer` sends them over
HTTP on pywikibot's session; a test can hand the same code a scripted
transfer and check one file's life in milliseconds.
"""

from __future__ import annotations

from typing import Any, Protocol

from .answers import Counters, Reply


class Transfer(Protocol):
    """The Upload API requests the upload layer sends (see ``SiteTransfer``)."""

    counters: Counters
    #: Things the wiki said on the way that the row's report keeps (AbuseFilter warnings).
    notes: list[str]

    def for_row(self, seconds: float) -> Transfer:
        """A view whose retries may wait ``seconds`` in all (one row's budget)."""

    def upload(self, filename: str, content: bytes, *, text: str, comment: str) -> Reply:
        """A direct upload of a whole small file."""

    def upload_chunk(
        self,
        filename: str,
        filesize: int,
        offset: int,
        chunk: bytes,
        filekey: str | None = None,
        *,
        asynchronous: bool = False,
    ) -> Reply:
        """One chunk into the stash at ``offset``."""

    def stash_url(self, filename: str, url: str) -> Reply:
        """A copy upload of ``url`` into the stash."""

    def commit(
        self,
        filekey: str,
        filename: str,
        *,
        text: str,
        comment: str,
        ignorewarnings: bool = False,
        asynchronous: bool = False,
    ) -> Reply:
        """Publish a stashed file."""

    def check_status(self, filekey: str) -> Reply:
        """Where the upload behind ``filekey`` stands."""

    def await_job(self, filekey: str) -> Reply:
        """Wait for the wiki's upload job on ``filekey``."""

    def query(self, **params: Any) -> dict[str, Any]:
        """One read query; the ``query`` part of the answer."""

    def api(self, action: str, *, write: bool = False, **params: Any) -> dict[str, Any]:
        """Another API module (Wikibase's ``wb*``); a ``write`` is token-signed, never resent."""
