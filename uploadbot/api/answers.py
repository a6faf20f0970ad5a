"""What comes back over the wire: the Upload API's answers, its errors, and the counts.

Plain data, so the upload layer (and a scripted transfer in the tests) can
hold them without the HTTP code of :mod:`uploadbot.api.transfer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from uploadbot.errors import RowFailure


class WikiError(RowFailure):
    """An ``error`` answer of the API, with its code and extra data."""

    def __init__(self, code: str, info: str, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(f'{code}: {info}')
        self.code = code
        self.info = info
        self.data = dict(data or {})

    def __str__(self) -> str:
        return f'the wiki refused it: {self.code}: {self.info}'

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
        return cls(
            result=upload.get('result', ''),
            filekey=upload.get('filekey'),
            offset=upload.get('offset'),
            filename=upload.get('filename'),
            warnings=upload.get('warnings') or {},
            imageinfo=upload.get('imageinfo') or {},
            stage=upload.get('stage'),
        )


@dataclass
class RetryBudget:
    """Seconds one row may still spend waiting to retry, spent as retries happen.

    A request under way is never cut short (a large file's chunks take what
    they take); only the waits between attempts, and the attempts that
    failed, are charged.
    """

    seconds: float


@dataclass
class Counters:
    """What went over the wire, for the report and the benchmarks."""

    requests: int = 0
    bytes_sent: int = 0
    retries: int = 0
