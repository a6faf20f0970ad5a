"""When to send a request again, and how long to wait first.

Every request goes through :func:`retrying`: a failure the wiki or the
network says is passing (a reset connection, a timeout, HTTP 5xx or 429,
``maxlag``, ``ratelimited``, a read-only moment) is retried with
exponential backoff and jitter, or after exactly the ``Retry-After`` the
server asked for. The limits come from pywikibot's configuration:
``max_retries`` attempts, waits starting at ``retry_wait`` seconds and
never longer than ``retry_max``; and a row's own deadline caps them all.

A request that publishes (a commit, a direct upload) is not simply sent
again after a failure that may have happened *after* the wiki did the work:
:class:`Uncertain` goes up to the upload task, which looks at the wiki first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import tenacity
from pywikibot import config

from uploadbot.errors import RowFailure, UploadbotError

T = TypeVar('T')


class Retryable(UploadbotError):
    """A passing failure: the same request may be sent again after a wait."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Uncertain(RowFailure):
    """A publishing request failed in a way that leaves unknown whether the wiki did it."""


class GaveUp(RowFailure):
    """Retries ran out (attempts, time, or the row's deadline)."""


def retry_after_seconds(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form; dates are ignored)."""
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


def _wait(state: tenacity.RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, Retryable) and error.retry_after is not None:
        return min(error.retry_after, float(config.retry_max))
    backoff = tenacity.wait_exponential_jitter(initial=config.retry_wait, max=config.retry_max)
    return backoff(state)


def retrying(
    send: Callable[[], T],
    *,
    deadline: float | None = None,
    on_retry: Callable[[Retryable, float], None] | None = None,
) -> T:
    """Call ``send`` until it returns, retrying :class:`Retryable` failures.

    Raises :class:`GaveUp` (with the last reason) when attempts or time run out.
    """

    def out_of_time(state: tenacity.RetryCallState) -> bool:
        if deadline is None:
            return False
        return time.monotonic() + (state.upcoming_sleep or 0) > deadline

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None:
            on_retry(state.outcome.exception(), state.upcoming_sleep)

    controller = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Retryable),
        wait=_wait,
        stop=tenacity.stop_after_attempt(max(1, config.max_retries)) | out_of_time,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return controller(send)
    except Retryable as error:
        raise GaveUp(f'gave up after retries: {error.reason}') from error
