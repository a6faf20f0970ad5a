"""Fetching a URL row's file when the wiki will not copy it itself.

The file is streamed to a temporary file in blocks (memory stays small for
any size), with a size limit, the content type checked against the target
name, and a broken transfer resumed with ``Range`` where the server allows
it. It uses a session of its own: the wiki's cookies never go to another host.
URLs that lead to private, loopback or link-local addresses are refused
unless the operator allows them (``-allow-local-urls``), so a manifest
cannot make the bot fetch from inside the network it runs in.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from uploadbot import names
from uploadbot.errors import RowFailure
from uploadbot.option_table import default

#: Bytes read from the network at a time.
BLOCK = 1 << 20

#: Attempts at one URL before it fails (each resumes where the last stopped).
ATTEMPTS = 4

#: Content types that are never a media file, whatever the name says.
NOT_MEDIA = ('text/html', 'application/xhtml+xml', 'application/json')


class DownloadError(RowFailure):
    """The URL could not be fetched as the file it claims to be; says why in one line."""


@dataclass(frozen=True)
class Downloader:
    """Fetches URLs into temporary files under ``folder``."""

    limit: int
    timeout: tuple[float, float] = (10.0, default('query_timeout'))
    allow_local: bool = False
    folder: Path | None = None
    max_redirects: int = 10

    def fetch(self, url: str, filename: str) -> Path:
        """Download ``url`` for the target ``filename``; the caller deletes the file.

        Raises :class:`DownloadError` naming the URL and why, for the row's report.
        """
        try:
            return self._fetch(url, filename)
        except DownloadError as error:
            raise DownloadError(f'cannot fetch {url}: {error}') from None

    def _fetch(self, url: str, filename: str) -> Path:
        check_address(url, allow_local=self.allow_local)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below)
            prefix='uploadbot-', suffix='.download', dir=self.folder, delete=False
        )
        path = Path(handle.name)
        try:
            with handle, requests.Session() as session:
                session.max_redirects = self.max_redirects
                self._stream(session, url, filename, handle)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def _stream(self, session: requests.Session, url: str, filename: str, handle) -> None:
        received, total = 0, None
        for _ in range(ATTEMPTS):
            headers = {'Range': f'bytes={received}-'} if received else {}
            try:
                with session.get(url, stream=True, timeout=self.timeout, headers=headers) as response:
                    check_address(response.url, allow_local=self.allow_local)
                    if received and response.status_code != 206:
                        handle.seek(0)
                        handle.truncate()
                        received = 0  # the server ignored Range: start over
                    total = self._accept(response, filename, received, total)
                    # read1 hands over what has arrived, so the bytes before a
                    # broken connection are kept and the next attempt resumes after them.
                    while block := response.raw.read1(BLOCK, decode_content=True):
                        if received == 0 and handle.tell() == 0:
                            self._check_content(block, filename)
                        handle.write(block)
                        received += len(block)
                        if received > self.limit:
                            raise DownloadError(f'more than the limit of {self.limit} bytes')
            except requests.TooManyRedirects:
                raise DownloadError(f'more than {self.max_redirects} redirects (a loop?)') from None
            except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError):
                last = (
                    f'the body ended after {received} of {total} bytes'
                    if total
                    else f'the connection broke after {received} bytes'
                )
                continue
            if total is None or received >= total:
                return
            last = f'the body ended after {received} of {total} bytes'
        raise DownloadError(f'gave up after {ATTEMPTS} attempts: {last}')

    def _accept(
        self, response: requests.Response, filename: str, received: int, total: int | None
    ) -> int | None:
        """Check the answer's status, type and size; the file's total size if known."""
        if response.status_code not in (200, 206):
            raise DownloadError(f'the server answered HTTP {response.status_code}')
        kind = response.headers.get('Content-Type', '').split(';')[0].strip().lower()
        if kind in NOT_MEDIA:
            raise DownloadError(f'the server sent {kind}, not a .{names.extension(filename)} file')
        length = response.headers.get('Content-Length')
        if length is not None and length.isdigit():
            total = received + int(length) if response.status_code == 206 else int(length)
        if total is not None and total > self.limit:
            raise DownloadError(f'the file is {total} bytes, over the limit of {self.limit}')
        return total

    def _check_content(self, head: bytes, filename: str) -> None:
        if names.content_matches_extension(names.extension(filename), head) is False:
            found = names.detect_content_type(head) or 'something else'
            raise DownloadError(f'the content is {found}, not what .{names.extension(filename)} says')


def check_address(url: str, *, allow_local: bool) -> None:
    """Refuse URLs whose host resolves to a private, loopback or link-local address."""
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise DownloadError(f'not an http(s) URL: {url}')
    if allow_local:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise DownloadError(f'cannot resolve {parts.hostname}: {error.strerror}') from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise DownloadError(
                f'{parts.hostname} is a local or private address ({address}); '
                'use -allow-local-urls to fetch from it'
            )
