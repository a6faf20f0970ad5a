"""What one HTTP answer of the API means, before the upload task sees it.

Every request ends in one of four ways: data; a passing failure, sent again
after a wait (:class:`~uploadbot.api.retry.Retryable`); a failure of a
request that publishes, which may have happened on the wiki all the same and
is never sent blindly again (:class:`~uploadbot.api.retry.Uncertain`); or the
wiki's own error, with its code. This module tells them apart from the
transport's exception or the HTTP answer; what an API error code means is
the transfer's to judge (:meth:`~uploadbot.api.transfer.SiteTransfer._once`).
"""

from __future__ import annotations

from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from .answers import WikiError
from .retry import Retryable, Uncertain, retry_after_seconds

#: What the transport raises when a request got no answer.
TRANSPORT_FAILURES = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    ConnectionError,
)


def transport_failure(error: Exception, publishes: bool) -> Exception:
    """A request without an answer: retried, unless it publishes and may have reached the wiki."""
    if publishes and not _never_sent(error):
        return Uncertain(http_error_message(error))
    return Retryable(http_error_message(error))


def read_answer(
    response: requests.Response, publishes: bool
) -> tuple[dict[str, Any], dict[str, Any] | None, float | None]:
    """The API's data, its ``error`` (None when there is none) and the ``Retry-After`` wait.

    Raises for what is not an API answer: an HTTP error status, a body that
    is not JSON, an error without a code (something in front of the wiki
    answered).
    """
    retry_after = retry_after_seconds(response.headers.get('Retry-After'))
    if response.status_code == 429:
        raise Retryable('HTTP 429 Too Many Requests', retry_after)
    if response.status_code >= 500:
        if publishes:
            raise Uncertain(f'HTTP {response.status_code}')
        raise Retryable(f'HTTP {response.status_code}', retry_after)
    if response.status_code >= 400:  # refused by the wiki or something before it
        raise WikiError(f'http-{response.status_code}', response.reason or 'HTTP error')
    try:
        data = response.json()
    except ValueError:
        if publishes:
            raise Uncertain('the answer was not JSON') from None
        raise Retryable('the answer was not JSON') from None
    error = data.get('error') if isinstance(data, dict) else None
    if error is not None and not (isinstance(error, dict) and error.get('code')):
        # Not MediaWiki's error format: something in front of the wiki answered.
        problem = f'an error without a code: {str(error)[:120]!r}'
        if publishes:
            raise Uncertain(problem)
        raise Retryable(problem, retry_after)
    if not isinstance(data, dict):
        raise (
            Uncertain('the answer was not an API answer')
            if publishes
            else Retryable('the answer was not an API answer')
        )
    return data, None if error is None else dict(error), retry_after


def _never_sent(error: Exception) -> bool:
    """Whether the request surely never reached the wiki (no connection was made)."""
    if isinstance(error, (requests.ConnectTimeout, ConnectionRefusedError)):
        return True
    reason = getattr(error.args[0], 'reason', None) if error.args else None
    return isinstance(reason, NewConnectionError)


def http_error_message(error: Exception) -> str:
    """A one-line description of a transport failure, with no request data in it."""
    return f'{type(error).__name__}: {error}'.splitlines()[0]
