"""The merge of a row's structured data with the MediaInfo entity the file has.

Nothing is duplicated and nothing is clobbered: a statement whose property
and value are already on the entity is not sent again, and a caption already
set in a language to other words stays as it is (and is reported) unless the
row asks to replace it. What is left is the ``data`` of one ``wbeditentity``
edit — ``labels`` and ``claims``, as Wikibase's JSON has them — or nothing
when the entity already holds everything.

Entities come as ``wbgetentities`` gives them: ``labels`` keyed by language
(``{"en": {"language": "en", "value": ...}}``), ``statements`` keyed by
property with a ``mainsnak`` each; an entity without any data is ``missing``
and PHP's empty arrays arrive as ``[]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .mediainfo_cells import Problem, StructuredData
from .mediainfo_values import datavalue, statement, supported, value_key


@dataclass(frozen=True)
class TypedStatement:
    """A statement ready to send: its property, datatype and ``datavalue``."""

    property: str
    datatype: str
    value: dict[str, Any]
    text: str
    column: str = ''

    def json(self) -> dict[str, Any]:
        return statement(self.property, self.datatype, self.value)


def typed(
    data: StructuredData, datatypes: Mapping[str, str], *, concept_base: str
) -> tuple[list[TypedStatement], list[Problem]]:
    """The row's statements as Wikibase values, and every cell that does not fit its property.

    ``datatypes`` maps each property id the repository knows to its datatype;
    a property missing from it does not exist.
    """
    found: list[TypedStatement] = []
    problems: list[Problem] = []
    for item in data.statements:
        datatype = datatypes.get(item.property)
        if datatype is None:
            problems.append((item.column, f'the property {item.property} does not exist'))
            continue
        if not supported(datatype):
            problems.append(
                (item.column, f'{item.property} has datatype {datatype!r}, which the bot cannot write')
            )
            continue
        try:
            value = datavalue(datatype, item.text, concept_base=concept_base)
        except ValueError as error:
            problems.append((item.column, f'{item.property} ({datatype}): {error}'))
            continue
        found.append(TypedStatement(item.property, datatype, value, item.text, item.column))
    return found, problems


@dataclass(frozen=True)
class Edit:
    """What one ``wbeditentity`` edit must send, and what it leaves alone on purpose."""

    data: dict[str, Any] = field(default_factory=dict)
    kept: tuple[str, ...] = ()
    #: What the edit adds, as a person reads it (``caption en "..."``, ``P180 Q146``).
    added: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.data

    def summary(self) -> str:
        """How much the edit adds, for the row's message."""
        labels, claims = len(self.data.get('labels', {})), len(self.data.get('claims', []))
        parts = [f'{labels} caption(s)'] if labels else []
        parts += [f'{claims} statement(s)'] if claims else []
        return ' and '.join(parts)


def merge(
    entity: Mapping[str, Any] | None,
    data: StructuredData,
    statements: Sequence[TypedStatement],
    *,
    replace_captions: bool = False,
) -> Edit:
    """The edit that brings ``entity`` up to ``data``, adding only what is missing."""
    entity = entity or {}
    labels = _mapping(entity.get('labels'))
    existing = _mapping(entity.get('statements', entity.get('claims')))
    replace = replace_captions or data.replace_captions
    send_labels: dict[str, dict[str, str]] = {}
    kept: list[str] = []
    added: list[str] = []
    for caption in data.captions:
        current = (labels.get(caption.language) or {}).get('value')
        if current == caption.text:
            continue
        if current is not None and not replace:
            kept.append(
                f'caption {caption.language} kept as "{current}" (the row has '
                f'"{caption.text}"; -captions:replace replaces it)'
            )
            continue
        send_labels[caption.language] = {'language': caption.language, 'value': caption.text}
        added.append(f'caption {caption.language} "{caption.text}"')
    claims: list[dict[str, Any]] = []
    for item in statements:
        present = [
            claim['mainsnak']['datavalue']
            for claim in existing.get(item.property, [])
            if claim.get('mainsnak', {}).get('snaktype') == 'value' and 'datavalue' in claim['mainsnak']
        ]
        present += [
            claim['mainsnak']['datavalue']
            for claim in claims
            if claim['mainsnak']['property'] == item.property
        ]
        if not any(same_value(item.value, other) for other in present):
            claims.append(item.json())
            added.append(f'{item.property} {item.text}')
    payload: dict[str, Any] = {}
    if send_labels:
        payload['labels'] = send_labels
    if claims:
        payload['claims'] = claims
    return Edit(payload, tuple(kept), tuple(added))


def same_value(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two data values are the same value (coordinates within the coarser precision)."""
    if one.get('type') == other.get('type') == 'globecoordinate':
        a, b = one['value'], other['value']
        tolerance = max(float(a.get('precision') or 0), float(b.get('precision') or 0)) / 2
        return (
            a.get('globe') == b.get('globe')
            and abs(float(a['latitude']) - float(b['latitude'])) <= tolerance + 1e-12
            and abs(float(a['longitude']) - float(b['longitude'])) <= tolerance + 1e-12
        )
    try:
        return value_key(dict(one)) == value_key(dict(other))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return False


def _mapping(value: Any) -> dict[str, Any]:
    """Wikibase sends an empty set of labels or statements as ``[]``."""
    return dict(value) if isinstance(value, Mapping) else {}
