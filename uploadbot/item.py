"""What one row asks for, as the planner hands it to the upload layer.

An :class:`UploadItem` is plain data: the planner (or a pywikibot script
building items in code) makes it, the upload task consumes it. It lives
below both so neither has to import the other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .policy import Policy


@dataclass(frozen=True, slots=True)
class UploadItem:
    """Which bytes, under which name, with which description page and policy.

    ``source`` is what the journal and the report call the file (the path as
    the manifest wrote it, or the URL); ``url`` is set for a URL row, whose
    ``path`` is None until the bot downloads it. The planner gives ``path``
    as a plain string: a :class:`~pathlib.Path` costs some 350 bytes more per
    row, 35 MB in a batch of 100,000 rows that is held whole until it is done.
    """

    row: int
    path: str | os.PathLike[str] | None
    filename: str
    text: str
    comment: str
    policy: Policy
    source: str = ''
    url: str = ''

    @property
    def size(self) -> int:
        """The file's size now (0 when it cannot be read)."""
        try:
            return os.stat(self.path).st_size if self.path else 0
        except OSError:
            return 0

    @property
    def key(self) -> tuple[str, str]:
        """The journal's key for this row: source and target name."""
        return (self.source or str(self.path), self.filename)
