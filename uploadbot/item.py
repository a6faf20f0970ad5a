"""What one row asks for, as the planner hands it to the upload layer.

An :class:`UploadItem` is plain data: the planner (or a pywikibot script
building items in code) makes it, the upload task consumes it. It lives
below both so neither has to import the other.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .mediainfo_types import Caption, Statement, StructuredData
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
    #: Captions and statements for the file's MediaInfo entity, set after publishing.
    structured: StructuredData = StructuredData()
    #: The file's size when the item was made (0 for a URL row or a file that cannot
    #: be read), for progress and estimates: the task reads the size it sends itself.
    #: Read once from the file when not given (the planner gives the size it read).
    size: int = -1

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, 'size', _size_of(self.path))

    @property
    def key(self) -> tuple[str, str]:
        """The journal's key for this row: source and target name."""
        return (self.source or str(self.path), self.filename)

    @property
    def fingerprint(self) -> str:
        """What the wiki judged besides the bytes: name, page text, comment and policy.

        A row refused by the wiki is sent again only when this (or the file) changed.
        """
        parts = (self.filename, self.text, self.comment, repr(self.policy))
        return hashlib.sha1('\0'.join(parts).encode()).hexdigest()

    def as_data(self, root: Path) -> dict[str, Any]:
        """The item as plain data, its file relative to ``root``, for a journal shared by machines.

        Every machine names the same file by its own ``root`` (on Toolforge, the
        tool's home), so the path is kept relative to it.
        """
        path = os.path.relpath(self.path, root) if self.path else None
        try:
            stat = os.stat(self.path) if self.path else None
        except OSError:
            stat = None
        data = self.structured
        return {
            'row': self.row,
            'path': path,
            'filename': self.filename,
            'text': self.text,
            'comment': self.comment,
            'policy': self.policy.rules,
            'source': self.source,
            'url': self.url,
            'size': stat.st_size if stat else -1,
            'mtime_ns': stat.st_mtime_ns if stat else -1,
            'captions': [[c.language, c.text, c.column] for c in data.captions],
            'statements': [[s.property, s.text, s.column] for s in data.statements],
            'replace_captions': data.replace_captions,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any], root: Path) -> UploadItem:
        """The item :meth:`as_data` wrote, its file found under this machine's ``root``."""
        path = root / data['path'] if data.get('path') else None
        structured = StructuredData(
            captions=tuple(Caption(*caption) for caption in data.get('captions', ())),
            statements=tuple(Statement(*statement) for statement in data.get('statements', ())),
            replace_captions=data.get('replace_captions', False),
        )
        return cls(
            row=data['row'],
            path=path,
            filename=data['filename'],
            text=data['text'],
            comment=data['comment'],
            policy=Policy(data['policy']),
            source=data.get('source', ''),
            url=data.get('url', ''),
            structured=structured,
            size=data.get('size', -1),
        )


def _size_of(path: str | os.PathLike[str] | None) -> int:
    try:
        return os.stat(path).st_size if path else 0
    except OSError:
        return 0
