"""A scripted transfer: the upload layer's seam, answered from a script, for fast tests.

It stands in for :class:`uploadbot.api.transfer.SiteTransfer` only in unit
tests of the upload layer's own logic (the order of steps, what is recorded
before each request, how answers are followed). Each test writes the
conversation it expects — which request comes next and what the wiki
answers — and a request out of turn fails the test. Everything the wiki
itself does is tested against the real sandbox wiki elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uploadbot.api.answers import Counters, Reply

Answer = Reply | dict | BaseException | Callable[..., Any]


class ScriptedTransfer:
    """Answers each request with the next step of its script: ``(method, answer)``."""

    def __init__(self, *script: tuple[str, Answer]) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.counters = Counters()
        self.notes: list[str] = []
        self.budgets: list[float] = []

    def for_row(self, seconds: float) -> ScriptedTransfer:
        self.budgets.append(seconds)
        return self

    def _next(self, method: str, **args: Any) -> Any:
        self.calls.append((method, args))
        assert self.script, f'{method}({args}) was sent after the script ended'
        expected, answer = self.script.pop(0)
        assert method == expected, f'{method}({args}) was sent where {expected} was expected'
        if isinstance(answer, BaseException):
            raise answer
        return answer(**args) if callable(answer) else answer

    def upload(self, filename, content, *, text, comment):
        return self._next('upload', filename=filename, size=len(content))

    def upload_chunk(self, filename, filesize, offset, chunk, filekey=None, *, asynchronous=False):
        return self._next('upload_chunk', offset=offset, size=len(chunk), filekey=filekey)

    def stash_url(self, filename, url):
        return self._next('stash_url', filename=filename, url=url)

    def commit(self, filekey, filename, *, text, comment, ignorewarnings=False, asynchronous=False):
        return self._next('commit', filekey=filekey, filename=filename, ignorewarnings=ignorewarnings)

    def check_status(self, filekey):
        return self._next('check_status', filekey=filekey)

    def await_job(self, filekey):
        return self._next('await_job', filekey=filekey)

    def query(self, **params):
        return self._next('query', **params)

    def api(self, action, *, write=False, **params):
        return self._next(action, write=write, **params)

    def finished(self) -> bool:
        """Whether every scripted request was sent."""
        return not self.script


def warned(filekey: str, **warnings: Any) -> Reply:
    """The wiki's ``Warning`` answer: the file waits in the stash under ``filekey``."""
    return Reply(
        'Warning',
        filekey=filekey,
        warnings={code.replace('_', '-'): value for code, value in warnings.items()},
    )


def success(filename: str, sha1: str = '') -> Reply:
    return Reply('Success', filename=filename, imageinfo={'sha1': sha1} if sha1 else {})


def pages(*titles_missing: tuple[str, bool]) -> dict:
    """A ``query`` answer about pages: (title, missing) pairs."""
    return {
        'pages': [
            {'title': title, **({'missing': True} if missing else {})} for title, missing in titles_missing
        ]
    }


def file_page(name: str, *, sha1: str, user: str, timestamp: str = '2026-01-01T00:00:00Z') -> dict:
    return {
        'pages': [
            {
                'title': f'File:{name}',
                'imageinfo': [
                    {
                        'sha1': sha1,
                        'user': user,
                        'timestamp': timestamp,
                        'size': 1,
                        'descriptionurl': f'http://wiki/File:{name}',
                    }
                ],
            }
        ]
    }
