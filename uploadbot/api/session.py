"""pywikibot's own requests (site set-up, login, siteinfo, tokens) under uploadbot's retries.

uploadbot sends its uploads itself (:mod:`uploadbot.api.transfer`), but the
requests pywikibot makes while it sets up the site and logs in go through
pywikibot's ``Request``, which meets an edge in trouble badly (pywikibot 11):

- ``comms.http.error_handling_callback`` turns an HTTP 5xx into
  ``ServerError``, which ``data.api.Request._http_request`` catches as "any
  other error": it prints the whole traceback with ``pywikibot.error`` and
  retries on its own schedule, ignoring ``Retry-After``;
- a 429 is only warned about, and its HTML body then fails JSON decoding; for
  a site whose family is an ``AutoFamily``, ``Request._json_loads`` raises
  ``SiteDefinitionError('Invalid AutoFamily(...)')``, which hides the cause;
- a JSON answer whose ``error`` is a string makes ``Request.submit`` call
  ``error.setdefault`` on a ``str``: ``AttributeError``.

pywikibot's files are not patched. Instead :func:`guard_pywikibot_requests`
mounts a transport adapter on pywikibot's HTTP session that sends every
pywikibot request through :func:`~uploadbot.api.retry.retrying` — the same
backoff, ``Retry-After`` and budget as every upload request — so pywikibot
only ever sees good answers, or, when the budget is spent, one
:class:`WikiUnreachable` naming the real cause. That is a
``FatalServerError``: ``Request._http_request`` passes it up at once,
without a traceback or retries of its own. uploadbot's own requests are
marked (:func:`own_requests`) and go through untouched: the transfer retries
them itself and must decide alone whether a publishing request may be sent
again.

:func:`under_retries` runs what makes pywikibot talk to the wiki — handling
the global options, which already makes the site and asks who is logged in,
and :func:`logged_in` — retrying what pywikibot itself raises for passing
trouble (a lagged or read-only wiki, its own timeouts).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pywikibot
import requests
from pywikibot.comms import http
from pywikibot.exceptions import APIError as PywikibotAPIError
from pywikibot.exceptions import ApiTimeoutError, FatalServerError, ServerError
from requests.adapters import HTTPAdapter

from . import pwbdir
from .retry import GaveUp, Retryable, retry_after_seconds, retrying

#: API error codes of pywikibot's requests that pass with time.
PASSING_CODES = frozenset(
    {
        'maxlag',
        'readonly',
        'ratelimited',
        'internal_api_error_DBQueryError',
        'internal_api_error_DBConnectionError',
        'apierror-timeout',
    }
)

T = TypeVar('T')

_own = contextvars.ContextVar('uploadbot_own_request', default=False)


class WikiUnreachable(FatalServerError):
    """pywikibot's request still failed after every retry; ``str()`` names the cause."""


class SetUpFailed(pywikibot.exceptions.Error):
    """pywikibot's set-up raised what it does not raise on purpose (a file it could not
    make, a bug of its own); ``str()`` names the exception, for one line."""

    @classmethod
    def of(cls, error: Exception) -> SetUpFailed:
        pywikibot.log(f"uploadbot: pywikibot's set-up failed: {error!r}", exc_info=error)
        return cls(f'{type(error).__name__}: {error}')


@contextlib.contextmanager
def own_requests() -> Iterator[None]:
    """Requests sent inside are uploadbot's own: the adapter leaves their retries to them."""
    token = _own.set(True)
    try:
        yield
    finally:
        _own.reset(token)


def passing_trouble(response: requests.Response) -> str | None:
    """Why an answer is passing trouble (to be asked again), or None for a usable answer."""
    if response.status_code == 429 or response.status_code >= 500:
        return f'HTTP {response.status_code} {response.reason or ""}'.rstrip()
    if response.status_code != 200 or not urlsplit(response.url).path.endswith('api.php'):
        return None
    try:
        data = response.json()
    except ValueError:
        return 'the API answered with something that is not JSON (an error page?)'
    error = data.get('error') if isinstance(data, dict) else None
    if error is not None and not (isinstance(error, dict) and error.get('code')):
        return f'the API answered an error without a code: {str(error)[:120]!r}'
    return None


class PassingTroubleAdapter(HTTPAdapter):
    """Sends pywikibot's requests again while the network or the wiki is in passing trouble."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if _own.get() or kwargs.get('stream'):
            return super().send(request, **kwargs)
        host = urlsplit(request.url).netloc

        def once() -> requests.Response:
            try:
                response = HTTPAdapter.send(self, request, **kwargs)
                response.content  # noqa: B018 (read it here, where a reset can be retried)
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as error:
                raise Retryable(f'{type(error).__name__} talking to {host}') from None
            problem = passing_trouble(response)
            if problem is not None:
                raise Retryable(
                    f'{problem} from {host}', retry_after_seconds(response.headers.get('Retry-After'))
                )
            return response

        try:
            return retrying(once, on_retry=_log_retry)
        except GaveUp as error:
            raise WikiUnreachable(f'{error.__cause__} (gave up after retries)') from None


def _log_retry(error: Exception, wait: float) -> None:
    pywikibot.log(f'uploadbot: {error}; asking again in {wait:.1f} s')


def guard_pywikibot_requests(session: requests.Session | None = None) -> None:
    """Mount the adapter on pywikibot's session (once; later calls change nothing)."""
    session = session or http.session
    if not isinstance(session.get_adapter('https://'), PassingTroubleAdapter):
        adapter = PassingTroubleAdapter()
        session.mount('https://', adapter)
        session.mount('http://', adapter)


def _classified(error: Exception) -> Exception:
    """pywikibot's exception as passing (:class:`Retryable`) or as it is."""
    if isinstance(error, WikiUnreachable):
        return error
    if isinstance(error, (ServerError, ApiTimeoutError)):
        return Retryable(f'{type(error).__name__}: {error}')
    if isinstance(error, PywikibotAPIError) and error.code in PASSING_CODES:
        return Retryable(f'{error.code}: {error.info}')
    return error


def under_retries(call: Callable[[], T]) -> T:
    """``call()`` (something that makes pywikibot talk to the wiki), retried while pywikibot
    raises passing trouble; the adapter is mounted first."""
    guard_pywikibot_requests()

    def attempt() -> T:
        try:
            return call()
        except pywikibot.exceptions.Error as error:
            problem = _classified(error)
            if problem is error:
                raise
            raise problem from None

    return retrying(attempt, on_retry=_log_retry)


#: Days pywikibot may keep the list of a wiki's extensions (its default is 30). A list
#: a day old at worst misses an extension installed since, whose refusals the wiki
#: then gives at upload.
EXTENSIONS_MAX_AGE_DAYS = 1.0


def load_siteinfo(site: Any) -> None:
    """The siteinfo every run reads after the login (file extensions, the wiki's
    extensions), in one request.

    pywikibot's ``Siteinfo.get`` asks for one property per request; its
    ``_get_siteinfo`` takes several at once and answers as ``get`` caches them,
    so the properties not yet cached are asked for together (one request fewer
    per run; a near wiki answers it in milliseconds, a far one in a round trip).
    The shorter of the two ages any of them may have is asked for.
    """
    info = site.siteinfo
    missing = [key for key in ('fileextensions', 'extensions') if not info.is_cached(key)]
    if len(missing) > 1:
        info._cache.update(info._get_siteinfo(missing, timedelta(days=EXTENSIONS_MAX_AGE_DAYS)))
    info.get('fileextensions')


def logged_in(make_site: Callable[[], Any]) -> Any:
    """The site from ``make_site``, logged in, with its siteinfo and a CSRF token.

    Raises :class:`WikiUnreachable`, :class:`~uploadbot.api.retry.GaveUp` or
    pywikibot's own error (a wrong password, say) when it cannot; anything else
    pywikibot raises becomes :class:`SetUpFailed`, so it ends the run in one line.
    """

    def set_up() -> Any:
        try:
            site = make_site()
            pwbdir.make_cookie_file()  # before the login saves it: see pwbdir
            site.login()
            load_siteinfo(site)
            site.tokens['csrf']  # fetched now, under the retries
        except pywikibot.exceptions.Error:
            raise
        except Exception as error:  # not a traceback for the operator: one line
            raise SetUpFailed.of(error) from None
        return site

    return under_retries(set_up)
