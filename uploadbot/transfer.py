"""The Upload API over HTTP: direct uploads, chunks into the stash, commits.

This is the only module that speaks HTTP. It borrows everything else from
pywikibot: the site's API address, the logged-in session (its cookies, or the
OAuth signature configured for the site), the user agent and the CSRF token.
It sends its own requests instead of pywikibot's ``Request`` because an
upload needs what ``Request`` does not give: a multipart body built from one
chunk read at its offset (never the whole file), and every answer — warnings,
``Continue``, ``Poll``, errors carrying a ``filekey`` — handed back as data to
the upload task, which decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pywikibot
import requests
from pywikibot.comms import http

#: Connect and read timeouts in seconds. Writes wait long: assembling or
#: publishing a large file out of the stash takes the wiki a while.
QUERY_TIMEOUT = (10.0, 60.0)
WRITE_TIMEOUT = (10.0, 600.0)


class APIError(Exception):
    """An ``error`` answer of the API, with its code and extra data."""

    def __init__(self, code: str, info: str, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(f'{code}: {info}')
        self.code = code
        self.info = info
        self.data = dict(data or {})

    @property
    def filekey(self) -> str | None:
        """Recoverable errors stash the file and name its key."""
        return self.data.get('filekey')


@dataclass(frozen=True)
class Reply:
    """One answer of ``action=upload``: ``Success``, ``Warning``, ``Continue`` or ``Poll``."""

    result: str
    filekey: str | None = None
    offset: int | None = None
    filename: str | None = None
    warnings: Mapping[str, Any] = field(default_factory=dict)
    imageinfo: Mapping[str, Any] = field(default_factory=dict)
    stage: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reply:
        upload = data['upload']
        return cls(result=upload['result'], filekey=upload.get('filekey'),
                   offset=upload.get('offset'), filename=upload.get('filename'),
                   warnings=upload.get('warnings') or {},
                   imageinfo=upload.get('imageinfo') or {}, stage=upload.get('stage'))


@dataclass
class Counters:
    """What went over the wire, for the report and the benchmarks."""

    requests: int = 0
    bytes_sent: int = 0


class Transfer:
    """Upload API requests for one pywikibot site, on its logged-in session."""

    def __init__(self, site: pywikibot.site.APISite, *,
                 query_timeout: tuple[float, float] = QUERY_TIMEOUT,
                 write_timeout: tuple[float, float] = WRITE_TIMEOUT) -> None:
        self.site = site
        self.api_url = site.base_url(site.apipath())
        self.query_timeout = query_timeout
        self.write_timeout = write_timeout
        self.counters = Counters()
        self._headers = {'User-Agent': http.user_agent(site)}

    # -- the upload protocol -------------------------------------------------

    def upload(self, filename: str, content: bytes, *, text: str, comment: str,
               ignorewarnings: bool = False) -> Reply:
        """A direct upload of a whole (small) file, published unless warnings come back.

        Without ``ignorewarnings`` the wiki checks its warnings first; when
        there are any it stashes the file and answers ``Warning`` with a
        ``filekey``, so a clean upload costs one request and a warned one goes
        on as a commit out of the stash.
        """
        return self._upload({'filename': filename, 'text': text, 'comment': comment,
                             'ignorewarnings': ignorewarnings},
                            files={'file': (filename, content, 'application/octet-stream')},
                            size=len(content))

    def upload_chunk(self, filename: str, filesize: int, offset: int, chunk: bytes,
                     filekey: str | None = None) -> Reply:
        """Append one chunk to the stash at ``offset`` (``Continue`` or, last, ``Success``).

        Chunks go with ``ignorewarnings``: the wiki checks warnings on every
        request and, on a chunk, returns them before appending the bytes. The
        warnings are asked for at the commit instead, where the policy acts.
        """
        params = {'filename': filename, 'filesize': filesize, 'offset': offset,
                  'stash': True, 'ignorewarnings': True}
        if filekey:
            params['filekey'] = filekey
        return self._upload(params, files={'chunk': (filename, chunk, 'application/octet-stream')},
                            size=len(chunk))

    def commit(self, filekey: str, filename: str, *, text: str, comment: str,
               ignorewarnings: bool = False) -> Reply:
        """Publish a stashed file under ``filename``.

        Without ``ignorewarnings`` the wiki answers ``Warning`` with the
        warnings and a fresh ``filekey`` for the next attempt.
        """
        return self._upload({'filekey': filekey, 'filename': filename, 'text': text,
                             'comment': comment, 'ignorewarnings': ignorewarnings})

    def check_status(self, filekey: str) -> Reply:
        """Where an upload behind ``filekey`` stands (``checkstatus``)."""
        return self._upload({'filekey': filekey, 'checkstatus': True})

    # -- queries -------------------------------------------------------------

    def query(self, **params: Any) -> dict[str, Any]:
        """One ``action=query`` request; the ``query`` part of its answer."""
        data = self._send({'action': 'query', **params}, timeout=self.query_timeout)
        return data.get('query', {})

    # -- HTTP ----------------------------------------------------------------

    def _upload(self, params: dict[str, Any], *, files: dict | None = None,
                size: int = 0) -> Reply:
        params = {'action': 'upload', 'token': self.site.tokens['csrf'], **params}
        data = self._send(params, files=files, timeout=self.write_timeout)
        self.counters.bytes_sent += size
        return Reply.from_json(data)

    def _send(self, params: Mapping[str, Any], *, files: dict | None = None,
              timeout: tuple[float, float]) -> dict[str, Any]:
        """POST one API request; an ``error`` answer becomes :class:`APIError`."""
        form = {'format': 'json', 'formatversion': '2', 'assert': 'user',
                **{key: _form_value(value) for key, value in params.items()
                   if value is not None and value is not False}}
        self.counters.requests += 1
        response = http.session.post(
            self.api_url, data=form, files=files, headers=self._headers, timeout=timeout,
            auth=http.get_authentication(self.api_url))
        response.raise_for_status()
        data = response.json()
        if 'error' in data:
            error = dict(data['error'])
            raise APIError(error.pop('code'), error.pop('info', ''), error)
        return data


def _form_value(value: Any) -> str:
    """API booleans are present-or-absent; everything else is sent as text."""
    return '1' if value is True else str(value)


def http_error_message(error: requests.RequestException) -> str:
    """A one-line description of a transport failure, with no request data in it."""
    return f'{type(error).__name__}: {error}'.splitlines()[0]
