"""A cell's value as Wikibase JSON, by the property's datatype.

The shapes are Wikibase's documented JSON for data values (``datavalue``
with ``value`` and ``type``):

==========================  ==================  =====================================
datatype                    cell                datavalue type and value
==========================  ==================  =====================================
wikibase-item / -property   ``Q42`` / ``P31``   wikibase-entityid: entity-type, numeric-id, id
string, external-id, url,   text                string
commonsMedia, math, ...
time                        ``2019-05-01``,     time: time ``+2019-05-01T00:00:00Z``,
                            ``2019-05``,        precision 11 / 10 / 9 / 8, timezone,
                            ``1890``,           before, after, calendarmodel (Gregorian)
                            ``1890s``
quantity                    ``12``, ``-3.5``,   quantity: amount ``+12``, unit ``1`` or the
                            ``12 Q11573``       unit item's concept URI
monolingualtext             ``en:text``         monolingualtext: text, language
globe-coordinate            ``52.5,13.4``       globecoordinate: latitude, longitude,
                                                altitude null, precision, globe (Earth)
==========================  ==================  =====================================
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from .mediainfo_cells import ITEM_ID, PROPERTY_ID

#: Wikidata's concept URIs: the Gregorian calendar and the Earth (Wikibase uses
#: these for time and coordinates on every repository).
WIKIDATA_ENTITY = 'http://www.wikidata.org/entity/'
GREGORIAN = WIKIDATA_ENTITY + 'Q1985727'
EARTH = WIKIDATA_ENTITY + 'Q2'

#: Wikibase's limit on string values.
STRING_LIMIT = 400

#: Datatypes whose values are plain strings in the JSON.
STRING_TYPES = frozenset(
    {'string', 'external-id', 'url', 'commonsMedia', 'math', 'musical-notation', 'geo-shape', 'tabular-data'}
)

ENTITY_TYPES = {'wikibase-item': ('item', ITEM_ID), 'wikibase-property': ('property', PROPERTY_ID)}

_DATE = re.compile(r'^([+-]?)(\d{1,16})(?:-(\d{2})(?:-(\d{2}))?)?$')
_DECADE = re.compile(r'^([+-]?)(\d{1,15})0s$')
_QUANTITY = re.compile(r'^([+-]?\d+(?:\.\d+)?)(?:\s+(Q[1-9]\d*))?$', re.IGNORECASE)
_NUMBER = re.compile(r'^[+-]?\d+(?:\.(\d+))?$')


def supported(datatype: str) -> bool:
    return datatype in STRING_TYPES or datatype in ENTITY_TYPES or datatype in _BUILDERS


def datavalue(datatype: str, text: str, *, concept_base: str = WIKIDATA_ENTITY) -> dict[str, Any]:
    """The ``datavalue`` for ``text``; ValueError saying what is wrong with it."""
    text = unicodedata.normalize('NFC', text.strip())  # Wikibase stores strings in NFC
    if datatype in STRING_TYPES:
        return {'value': _string(datatype, text), 'type': 'string'}
    if datatype in ENTITY_TYPES:
        kind, pattern = ENTITY_TYPES[datatype]
        entity = text.upper()
        if not pattern.match(entity):
            example = 'Q42' if kind == 'item' else 'P31'
            raise ValueError(f'{text!r} is not an {kind} id (like {example})')
        return {
            'value': {'entity-type': kind, 'numeric-id': int(entity[1:]), 'id': entity},
            'type': 'wikibase-entityid',
        }
    builder = _BUILDERS.get(datatype)
    if builder is None:
        raise ValueError(f'the bot cannot write values of datatype {datatype!r}')
    return builder(text, concept_base)


def statement(prop: str, datatype: str, value: dict[str, Any]) -> dict[str, Any]:
    """A new statement (no id: the wiki gives it one) with ``value`` as its main snak."""
    return {
        'mainsnak': {'snaktype': 'value', 'property': prop, 'datavalue': value, 'datatype': datatype},
        'type': 'statement',
        'rank': 'normal',
    }


def _string(datatype: str, text: str) -> str:
    if len(text) > STRING_LIMIT:
        raise ValueError(f'the value has {len(text)} characters; at most {STRING_LIMIT} are stored')
    if datatype == 'url':
        parts = urlsplit(text)
        if (
            parts.scheme.lower() not in ('http', 'https', 'ftp', 'ftps')
            or not parts.netloc
            or any(char.isspace() for char in text)
        ):
            raise ValueError(f'{text!r} is not a URL (like https://example.org/page)')
    return text


def _time(text: str, concept_base: str) -> dict[str, Any]:
    decade = _DECADE.match(text)
    if decade:
        sign, year, month, day, precision = decade[1], decade[2] + '0', None, None, 8
    else:
        match = _DATE.match(text)
        if not match:
            raise ValueError(f'{text!r} is not a date (like 2019-05-01, 2019-05, 1890 or 1890s)')
        sign, year, month, day = match.groups()
        precision = 11 if day else 10 if month else 9
    if month or day:
        try:
            date(2000 if int(year) == 0 else min(int(year), 9999), int(month), int(day or 1))
        except ValueError:
            raise ValueError(f'{text!r} is not a date: no such day or month') from None
    stamp = f'{sign or "+"}{int(year):04d}-{month or "00"}-{day or "00"}T00:00:00Z'
    return {
        'value': {
            'time': stamp,
            'timezone': 0,
            'before': 0,
            'after': 0,
            'precision': precision,
            'calendarmodel': GREGORIAN,
        },
        'type': 'time',
    }


def _quantity(text: str, concept_base: str) -> dict[str, Any]:
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f'{text!r} is not a quantity (like 12, -3.5 or 12 Q11573 with a unit item)')
    try:
        amount = Decimal(match[1])
    except InvalidOperation:  # pragma: no cover (the pattern admits only numbers)
        raise ValueError(f'{text!r} is not a number') from None
    unit = concept_base + match[2].upper() if match[2] else '1'
    return {'value': {'amount': _signed(amount), 'unit': unit}, 'type': 'quantity'}


def _signed(amount: Decimal) -> str:
    """Wikibase writes amounts with their sign and without exponent: ``+12``, ``-3.5``."""
    text = format(amount, 'f')
    return text if text.startswith('-') else '+' + text


def _monolingual(text: str, concept_base: str) -> dict[str, Any]:
    language, colon, words = text.partition(':')
    language = language.strip().lower()
    if not colon or not re.match(r'^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$', language) or not words.strip():
        raise ValueError(f'{text!r} is not text with its language (like en:A title)')
    words = words.strip()
    if len(words) > STRING_LIMIT:
        raise ValueError(f'the text has {len(words)} characters; at most {STRING_LIMIT} are stored')
    return {'value': {'text': words, 'language': language}, 'type': 'monolingualtext'}


def _coordinate(text: str, concept_base: str) -> dict[str, Any]:
    parts = [part.strip() for part in text.split(',')]
    if len(parts) != 2 or not all(_NUMBER.match(part) for part in parts):
        raise ValueError(
            f'{text!r} is not a coordinate (like 52.5163,13.3777: latitude, longitude in degrees)'
        )
    latitude, longitude = float(parts[0]), float(parts[1])
    if not -90 <= latitude <= 90 or not -360 <= longitude <= 360:
        raise ValueError(f'{text!r}: latitude must be within ±90 and longitude within ±360')
    decimals = max(len(_NUMBER.match(part)[1] or '') for part in parts)
    return {
        'value': {
            'latitude': latitude,
            'longitude': longitude,
            'altitude': None,
            'precision': 10.0**-decimals if decimals else 1.0,
            'globe': EARTH,
        },
        'type': 'globecoordinate',
    }


_BUILDERS = {
    'time': _time,
    'quantity': _quantity,
    'monolingualtext': _monolingual,
    'globe-coordinate': _coordinate,
}


def value_key(value: dict[str, Any]) -> tuple:
    """What makes two data values the same value, whatever the wiki normalised.

    Items by id, times by the digits their precision covers, amounts as
    numbers, coordinates to their precision; text exactly.
    """
    kind, inner = value.get('type'), value.get('value')
    if kind == 'wikibase-entityid':
        prefix = {'item': 'Q', 'property': 'P'}.get(inner.get('entity-type', 'item'), '?')
        return (kind, inner.get('id') or f'{prefix}{inner.get("numeric-id")}')
    if kind == 'time':
        precision = int(inner.get('precision', 11))
        sign, digits = inner['time'][0], inner['time'][1:].split('T')[0].split('-')
        year = int(digits[0])
        parts = [sign if year else '+', year // 10 if precision == 8 else year]
        if precision >= 10:
            parts.append(int(digits[1]))
        if precision >= 11:
            parts.append(int(digits[2]))
        return (kind, precision, *parts, inner.get('calendarmodel', GREGORIAN))
    if kind == 'quantity':
        return (kind, Decimal(str(inner['amount'])), inner.get('unit', '1'))
    if kind == 'monolingualtext':
        return (kind, inner['language'], inner['text'])
    if kind == 'globecoordinate':
        precision = float(inner.get('precision') or 1e-6)
        return (
            kind,
            round(float(inner['latitude']) / precision),
            round(float(inner['longitude']) / precision),
            inner.get('globe', EARTH),
        )
    return (kind, inner if not isinstance(inner, dict) else tuple(sorted(inner.items())))
