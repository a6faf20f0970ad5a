"""The structured-data step: one ``wbeditentity`` edit after the file is published.

Once a row's file is on the wiki (uploaded, renamed or a new version), its
MediaInfo entity gets the row's captions and statements in one edit. The
entity is read first and merged with the row's data
(:func:`uploadbot.describe.mediainfo_merge.merge`), so only what is missing is sent:
a re-run, or a new version of a file that has its data already, adds
nothing. The edit names the revision it was merged against (``baserevid``);
when someone edited meanwhile (``editconflict``), or the answer to the edit
was lost so it may or may not have been saved, the entity is read again and
merged again — which is what keeps a statement from being added twice.

The upload task keeps the step's state in the row's journal record
(``pending`` before the edit, ``done`` after it) and calls this module; see
:mod:`uploadbot.upload.task`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from uploadbot.api import wikibase
from uploadbot.api.answers import WikiError
from uploadbot.api.protocol import Transfer
from uploadbot.api.retry import GaveUp, Uncertain
from uploadbot.describe.mediainfo_merge import merge, typed
from uploadbot.describe.mediainfo_values import WIKIDATA_ENTITY
from uploadbot.errors import RowFailure
from uploadbot.mediainfo_types import StructuredData

#: Reads and edits of one entity before the step gives up for this run.
MAX_ROUNDS = 4


class DataRefused(RowFailure):
    """The wiki refused the edit for good (not a conflict, not passing trouble)."""


class DataPending(RowFailure):
    """The edit could not be made now (the wiki or the network); the next run makes it."""


@dataclass(frozen=True)
class DataSettings:
    """What every row's structured-data edit shares: datatypes, URIs, tags, captions."""

    #: Each property's datatype, as the item repository has it (read before the batch).
    datatypes: Mapping[str, str] = field(default_factory=dict)
    #: The repository's concept URI prefix, for quantity units.
    concept_base: str = WIKIDATA_ENTITY
    replace_captions: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataResult:
    """What the step did: the entity it edited and a line for the row's message."""

    entity: str
    message: str
    edited: bool


def edit_structured_data(
    transfer: Transfer,
    title: str,
    data: StructuredData,
    settings: DataSettings,
    *,
    summary: str,
    entity_id: str = '',
    on_entity: Callable[[str], None] = lambda entity_id: None,
) -> DataResult:
    """Bring the entity of ``title`` up to ``data`` with at most one successful edit.

    ``summary`` is the row's upload summary, so the file's two edits read alike
    in its history, whoever started the batch (the command line or a script).

    Raises :class:`DataPending` for trouble that may pass and
    :class:`DataRefused` when the wiki refuses the edit itself.
    """
    statements, problems = typed(data, settings.datatypes, concept_base=settings.concept_base)
    if problems:  # checked before the batch; a property changed its datatype meanwhile?
        raise DataRefused('; '.join(f'column {column!r}: {text}' for column, text in problems))
    try:
        if not entity_id:
            entity_id = _file_entity_id(transfer, title)
            on_entity(entity_id)
        for _ in range(MAX_ROUNDS):
            current = wikibase.entity(transfer, entity_id)
            edit = merge(current, data, statements, replace_captions=settings.replace_captions)
            kept = ''.join(f'; {note}' for note in edit.kept)
            if edit.empty:
                return DataResult(entity_id, f'structured data: nothing to add{kept}', False)
            base = int(current.get('lastrevid') or 0) or _page_revision(transfer, title)
            try:
                wikibase.edit(
                    transfer, entity_id, edit.data, baserevid=base, summary=summary, tags=settings.tags
                )
            except Uncertain:
                continue  # saved or not: the next read tells
            except WikiError as error:
                if wikibase.is_conflict(error.code, error.data):
                    continue
                raise DataRefused(f'structured data refused: {error.code}: {error.info}') from None
            return DataResult(entity_id, f'structured data: added {edit.summary()}{kept}', True)
    except (GaveUp, Uncertain) as error:
        raise DataPending(f'structured data pending: {error}') from None
    except WikiError as error:  # a read refused: the entity or page cannot be read now
        raise DataPending(f'structured data pending: {error}') from None
    raise DataPending(
        f'structured data pending: the entity {entity_id} kept changing '
        f'({MAX_ROUNDS} edits met a conflict or a lost answer)'
    )


def _file_entity_id(transfer: Transfer, title: str) -> str:
    """The MediaInfo entity of the file page ``title`` (``M`` + its page id)."""
    found = wikibase.file_page(transfer, title)
    if found is None:
        raise DataPending(f'structured data pending: the wiki does not show {title} yet')
    return found[0]


def _page_revision(transfer: Transfer, title: str) -> int:
    """An entity with no data yet has no revision of its own: the edit builds on the page's."""
    found = wikibase.file_page(transfer, title)
    return found[1] if found else 0
