"""What a row asks of its file's MediaInfo entity, as plain data every layer can hold.

The planner reads it from the manifest's cells (:mod:`uploadbot.describe.mediainfo_cells`),
the :class:`~uploadbot.item.UploadItem` carries it, and the upload layer's
structured-data step sends it after the file is published.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Caption:
    """One caption: its language, its text and the column it came from."""

    language: str
    text: str
    column: str


@dataclass(frozen=True)
class Statement:
    """One value of one property, as the cell wrote it (typed later, by datatype)."""

    property: str
    text: str
    column: str


@dataclass(frozen=True)
class StructuredData:
    """What one row asks of its file's MediaInfo entity."""

    captions: tuple[Caption, ...] = ()
    statements: tuple[Statement, ...] = ()
    replace_captions: bool = False

    def __bool__(self) -> bool:
        return bool(self.captions or self.statements)

    @property
    def digest(self) -> str:
        """A fingerprint of what is asked: the journal's proof the step was done for *this*."""
        if not self:
            return ''
        canonical = json.dumps(
            [
                [(c.language, c.text) for c in self.captions],
                [(s.property, s.text) for s in self.statements],
                self.replace_captions,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha1(canonical.encode()).hexdigest()

    @property
    def properties(self) -> set[str]:
        return {statement.property for statement in self.statements}

    def describe(self) -> str:
        """What the row sets, on one line (for ``-check``)."""
        parts = [f'caption {c.language} "{c.text}"' for c in self.captions]
        parts += [f'{s.property} {s.text}' for s in self.statements]
        if self.replace_captions and self.captions:
            parts.append('(captions replace)')
        return '; '.join(parts)
