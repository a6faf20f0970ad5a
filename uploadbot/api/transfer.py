"""The Upload API over HTTP: direct uploads, chunks into the stash, commits.

It sends the Upload API's requests (and Wikibase's ``wb*``) over HTTP, and
:mod:`uploadbot.api.response` tells what each answer means; the upload
layer sees only the seam of :mod:`uploadbot.api.protocol` and the plain
answers of :mod:`uploadbot.api.answers`, never this module. (HTTP is spoken
also by :mod:`uploadbot.api.session`, pywikibot's own requests under the same
retries, and :mod:`uploadbot.api.download`, a URL row fetched from its host.)
It borrows everything else from pywikibot: the site's API address, the
logged-in session (its cookies, or the OAuth signature configured for the
site), the user agent and the CSRF token.
It sends its own requests instead of pywikibot's ``Request`` because an
upload needs what ``Request`` does not give: a multipart body built from one
chunk read at its offset (never the whole file), and every answer — warnings,
``Continue``, ``Poll``, errors carrying a ``filekey`` — handed back as data to
the upload task, which decides.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import Any

import pywikibot
from pywikibot import config
from pywikibot.comms import http

from uploadbot.option_table import default

from .answers import Counters, Reply, RetryBudget, WikiError
from .multipart import MultipartBody
from .pace import Pacer
from .refusals import is_abusefilter_warning
from .response import TRANSPORT_FAILURES, read_answer, transport_failure
from .retry import GaveUp, Retryable, retrying
from .session import own_requests

#: Connect and read timeouts in seconds (the read timeouts are the options'
#: defaults). Writes wait long: assembling or publishing a large file out of
#: the stash takes the wiki a while.
QUERY_TIMEOUT = (10.0, default('query_timeout'))
WRITE_TIMEOUT = (10.0, default('upload_timeout'))

#: How long a background upload job (assembling chunks, publishing) may take.
JOB_TIMEOUT = 3600.0


#: A file part of a request: form field name, file name, the bytes.
Upload = tuple[str, str, bytes]


class SiteTransfer:
    """Upload API requests for one pywikibot site, on its logged-in session.

    It implements :class:`uploadbot.api.protocol.Transfer`, the seam the
    upload layer depends on.
    """

    def __init__(
        self,
        site: pywikibot.site.APISite,
        *,
        query_timeout: tuple[float, float] = QUERY_TIMEOUT,
        write_timeout: tuple[float, float] = WRITE_TIMEOUT,
        assert_user: bool = True,
        tags: tuple[str, ...] = (),
        pacer: Pacer | None = None,
    ) -> None:
        self.site = site
        #: Whether requests assert a logged-in user (not for reads on another
        #: wiki, such as the item repository, where the account may have no session).
        self.assert_user = assert_user
        #: Change tags on every write (uploads, commits, structured-data edits).
        self.tags = tuple(tags)
        self.pacer = pacer
        self.api_url = site.base_url(site.apipath())
        self.query_timeout = query_timeout
        self.write_timeout = write_timeout
        self.counters = Counters()
        self.budget: RetryBudget | None = None
        #: What the wiki said on the way that the report should keep (AbuseFilter warnings).
        self.notes: list[str] = []
        self._headers = {'User-Agent': http.user_agent(site)}

    def for_row(self, seconds: float) -> SiteTransfer:
        """This transfer with a retry budget of its own, so one row cannot stall a batch.

        The view shares the session and the counters; only the budget is its own.
        """
        view = copy.copy(self)
        view.budget = RetryBudget(seconds)
        view.notes = []
        return view

    # -- the upload protocol -------------------------------------------------

    def upload(self, filename: str, content: bytes, *, text: str, comment: str) -> Reply:
        """A direct upload of a whole (small) file, published unless warnings come back.

        Sent without ``ignorewarnings``, so the wiki checks its warnings first; when
        there are any it stashes the file and answers ``Warning`` with a
        ``filekey``, so a clean upload costs one request and a warned one goes
        on as a commit out of the stash.
        """
        return self._upload(
            {'filename': filename, 'text': text, 'comment': comment},
            upload=('file', filename, content),
            size=len(content),
            publishes=True,
        )

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
        """Append one chunk to the stash at ``offset`` (``Continue`` or, last, ``Success``).

        Chunks go with ``ignorewarnings``: the wiki checks warnings on every
        request and, on a chunk, returns them before appending the bytes. The
        warnings are asked for at the commit instead, where the policy acts.
        """
        params = {
            'filename': filename,
            'filesize': filesize,
            'offset': offset,
            'stash': True,
            'ignorewarnings': True,
            'async': asynchronous,
        }
        if filekey:
            params['filekey'] = filekey
        return self._upload(params, upload=('chunk', filename, chunk), size=len(chunk))

    def stash_url(self, filename: str, url: str) -> Reply:
        """Have the wiki fetch ``url`` into the stash (a copy upload); ``Success`` and a filekey.

        MediaWiki 1.39 fetches the URL while it answers this request (``async``
        applies to publishing, not to fetching); with ``stash`` the fetched file
        waits in the stash, so the commit by filekey and its warnings are the
        same as for a file the bot sent itself.
        """
        return self._upload({'filename': filename, 'url': url, 'stash': True, 'ignorewarnings': True})

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
        """Publish a stashed file under ``filename``.

        Without ``ignorewarnings`` the wiki answers ``Warning`` with the
        warnings and a fresh ``filekey`` for the next attempt. With
        ``asynchronous`` a wiki that runs upload jobs answers ``Poll`` and
        publishes in the background (see :meth:`check_status`).
        """
        return self._upload(
            {
                'filekey': filekey,
                'filename': filename,
                'text': text,
                'comment': comment,
                'ignorewarnings': ignorewarnings,
                'async': asynchronous,
            },
            publishes=True,
        )

    def check_status(self, filekey: str) -> Reply:
        """Where an upload behind ``filekey`` stands (``checkstatus``)."""
        return self._upload({'filekey': filekey, 'checkstatus': True})

    def await_job(self, filekey: str, *, timeout: float = JOB_TIMEOUT) -> Reply:
        """Poll ``checkstatus`` until the wiki's upload job for ``filekey`` is done.

        Waits grow from half a second to ten, so a quick job is seen at once
        and a slow one (assembling gigabytes) is not asked about too often.
        """
        deadline = time.monotonic() + timeout
        wait = 0.5
        while True:
            reply = self.check_status(filekey)
            if reply.result != 'Poll':
                return reply
            if time.monotonic() + wait > deadline:
                raise GaveUp(
                    f"the wiki's upload job for {filekey} was still "
                    f'{reply.stage or "queued"} after {timeout:.0f} s'
                )
            time.sleep(wait)
            wait = min(wait * 1.5, 10.0)

    # -- queries -------------------------------------------------------------

    def query(self, **params: Any) -> dict[str, Any]:
        """One ``action=query`` request; the ``query`` part of its answer.

        When the answer goes on in another request, the parameters for it
        (the API's ``continue``) are under the key ``continue``.
        """
        data = self._send({'action': 'query', **params}, timeout=self.query_timeout)
        if 'continue' in data:
            return {**data.get('query', {}), 'continue': data['continue']}
        return data.get('query', {})

    def api(self, action: str, *, write: bool = False, **params: Any) -> dict[str, Any]:
        """Any other API module (``wbgetentities``, ``wbeditentity``); the whole answer.

        A ``write`` carries the CSRF token and ``maxlag`` and, like a publishing
        upload, raises :class:`~uploadbot.api.retry.Uncertain` rather than being
        sent again when the wiki may have done it already: the caller reads
        the wiki's state and decides.
        """
        params = {'action': action, **params}
        if write:
            params = {'maxlag': config.write_maxlag, **params}
            return self._send(params, timeout=self.write_timeout, publishes=True, token=True)
        return self._send(params, timeout=self.query_timeout)

    # -- HTTP ----------------------------------------------------------------

    def _upload(
        self, params: dict[str, Any], *, upload: Upload | None = None, size: int = 0, publishes: bool = False
    ) -> Reply:
        params = {'action': 'upload', 'maxlag': config.write_maxlag, **params}
        if publishes and self.tags:
            params['tags'] = '|'.join(self.tags)
        data = self._send(params, upload=upload, timeout=self.write_timeout, publishes=publishes, token=True)
        self.counters.bytes_sent += size
        return Reply.from_json(data)

    def _send(
        self,
        params: Mapping[str, Any],
        *,
        upload: Upload | None = None,
        timeout: tuple[float, float],
        publishes: bool = False,
        token: bool = False,
    ) -> dict[str, Any]:
        """POST one API request, retried while its failures are passing ones.

        An ``error`` answer becomes :class:`WikiError`. A request that
        ``publishes`` raises :class:`~uploadbot.api.retry.Uncertain` instead of
        being sent again when the wiki may have done it already.
        """
        retries_before = self.counters.retries

        def once() -> dict[str, Any]:
            form = {
                'format': 'json',
                'formatversion': '2',
                **({'assert': 'user'} if self.assert_user else {}),
                **{
                    key: _form_value(value)
                    for key, value in params.items()
                    if value is not None and value is not False
                },
            }
            if token:
                form['token'] = self._csrf_token()
            if publishes and self.pacer is not None:
                self.pacer.wait()
            return self._once(form, upload, timeout, publishes)

        started = time.monotonic()
        budget = self.budget
        deadline = None if budget is None else started + budget.seconds
        try:
            try:
                return retrying(once, deadline=deadline, on_retry=self._log_retry)
            except WikiError as error:
                if not is_abusefilter_warning(error.code):
                    raise
                # AbuseFilter lets the same action through when it is sent again
                # after its warning (once); a second warning is an WikiError.
                self.notes.append(f'AbuseFilter warned ({error.code}): {error.info}')
                return retrying(once, deadline=deadline, on_retry=self._log_retry)
        finally:
            if budget is not None and self.counters.retries > retries_before:
                budget.seconds -= time.monotonic() - started

    def _once(
        self, form: dict[str, str], upload: Upload | None, timeout: tuple[float, float], publishes: bool
    ) -> dict[str, Any]:
        self.counters.requests += 1
        body: Any = form
        headers = self._headers
        if upload is not None:
            body = MultipartBody(form, *upload)
            headers = {**headers, 'Content-Type': body.content_type}
        try:
            with own_requests():
                response = http.session.post(
                    self.api_url,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    auth=http.get_authentication(self.api_url),
                )
        except TRANSPORT_FAILURES as error:
            raise transport_failure(error, publishes) from None
        data, error, retry_after = read_answer(response, publishes)
        if error is not None:
            self._raise_for_error(error, retry_after)
        return data

    def _raise_for_error(self, error: dict[str, Any], retry_after: float | None) -> None:
        """Passing API errors become :class:`Retryable`; the rest :class:`WikiError`."""
        code, info = error.pop('code', 'unknown'), error.pop('info', '')
        if code == 'maxlag':
            lag = error.get('lag')
            raise Retryable(f'maxlag ({lag} s)', retry_after or (float(lag) if lag else None))
        if code in ('ratelimited', 'readonly'):
            raise Retryable(code, retry_after)
        if code == 'badtoken':
            self.site.tokens.clear()
            raise Retryable('badtoken: fetching a fresh token', 0)
        if code in ('assertuserfailed', 'assertnameduserfailed', 'notloggedin'):
            self._log_in_again()
            raise Retryable(f'{code}: logged in again', 0)
        raise WikiError(code, info, error)

    def _csrf_token(self) -> str:
        """pywikibot's CSRF token; fetching it went through the same retries (see session.py)."""
        try:
            return self.site.tokens['csrf']
        except pywikibot.exceptions.Error as error:
            raise self._login_trouble('cannot get a CSRF token', error) from None

    def _log_in_again(self) -> None:
        """The wiki saw no session: let pywikibot log in again, and fetch a fresh token.

        ``_relogin`` is pywikibot's own answer to a login state that no longer
        matches the wiki's: it re-reads the user and logs in only if needed.
        """
        self.site.tokens.clear()
        try:
            self.site._relogin()
        except pywikibot.exceptions.Error as error:
            raise self._login_trouble('cannot log in again', error) from None

    def _login_trouble(self, what: str, error: Exception) -> Exception:
        """A login that failed while the wiki knows the bot after all is tried again.

        A wiki under load can miss a session for a moment (its session store
        busy), and another worker may have logged in meanwhile; the wiki then
        refuses a login over the session it has again ("Cannot log in when
        using ... sessions"). Only when the wiki still does not know the bot
        is the row given up.
        """
        try:
            del self.site.userinfo  # not what pywikibot remembers: what the wiki says now
            self.site.userinfo  # noqa: B018 (the property asks the wiki)
            known = self.site.logged_in()
        except pywikibot.exceptions.Error:
            known = False
        if known:
            return Retryable(f'{what}: {error}; the wiki knows the bot again')
        return GaveUp(f'{what}: {error}')

    def _log_retry(self, error: Exception, wait: float) -> None:
        self.counters.retries += 1
        pywikibot.log(f'uploadbot: {error}; retrying in {wait:.1f} s')


def _form_value(value: Any) -> str:
    """API booleans are present-or-absent; everything else is sent as text."""
    return '1' if value is True else str(value)
