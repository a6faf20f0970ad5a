"""A STAND-IN for Wikibase's ``wbgetentities`` and ``wbeditentity``, in front of the sandbox.

Wikibase and WikibaseMediaInfo cannot be installed on these machines, so the
sandbox wiki has no MediaInfo entities. This proxy forwards every request to
the real sandbox wiki (uploads, queries, tokens, logins) and answers only
the two Wikibase modules itself, from memory, the way their documentation
describes them:

* ``wbgetentities ids=...`` — at most 50 ids (else ``toomanyvalues``); ``M`` +
  a page id is the file page's MediaInfo entity (``missing`` until it has
  data, as on Commons); ``P``/``Q`` ids come from the stand-in's small item
  repository (properties with their ``datatype``); unknown ids are ``missing``.
* ``wbeditentity id=M... data=...`` — only by POST with a CSRF token that the
  sandbox itself accepts (checked with ``action=checktoken`` on the caller's
  session); ``baserevid`` older than the entity's revision is an
  edit conflict (``failed-save`` with the ``edit-conflict`` message);
  labels over 250 characters, unknown properties and values
  of the wrong type are refused (``modification-failed``); statements get
  ids; each successful edit is a new revision.

It keeps the entities and every edit it received, for the tests to read.
What it does not do — Wikibase's three-way merge of a stale ``baserevid``,
qualifiers, references, descriptions, permissions — is not tested here.
"""

from __future__ import annotations

import io
import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .proxy import FaultProxy, Request
from .servers import reply

#: The datavalue type each datatype takes (Wikibase's data type definitions).
VALUE_TYPES = {
    'wikibase-item': 'wikibase-entityid',
    'wikibase-property': 'wikibase-entityid',
    'string': 'string',
    'external-id': 'string',
    'url': 'string',
    'commonsMedia': 'string',
    'time': 'time',
    'quantity': 'quantity',
    'monolingualtext': 'monolingualtext',
    'globe-coordinate': 'globecoordinate',
}

PROPERTIES = {
    'P180': 'wikibase-item',
    'P571': 'time',
    'P275': 'wikibase-item',
    'P6216': 'wikibase-item',
    'P170': 'wikibase-item',
    'P1476': 'monolingualtext',
    'P1259': 'globe-coordinate',
    'P2048': 'quantity',
    'P217': 'string',
    'P214': 'external-id',
    'P973': 'url',
}
ITEMS = {'Q146', 'Q42', 'Q18199165', 'Q50423863', 'Q11573', 'Q1985727'}

#: English labels, for ``props=labels`` (Wikidata's own).
LABELS = {
    'P180': 'depicts',
    'P571': 'inception',
    'P275': 'copyright license',
    'Q146': 'house cat',
    'Q42': 'Douglas Adams',
    'Q18199165': 'CC BY-SA 4.0',
}


@dataclass
class WikibaseStandIn(FaultProxy):
    """The sandbox with a stand-in for the ``wb*`` modules (see the module's docstring)."""

    properties: dict[str, str] = field(default_factory=lambda: dict(PROPERTIES))
    items: set[str] = field(default_factory=lambda: set(ITEMS))
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    edits: list[dict[str, str]] = field(default_factory=list)
    reads: list[list[str]] = field(default_factory=list)
    #: While set, a wbeditentity is held without an answer (to kill the bot meanwhile).
    hold_edits: bool = False
    edit_held: threading.Event = field(default_factory=threading.Event)
    #: Another user's edit (``wbeditentity`` data) saved just before the next one arrives.
    someone_else: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self._revisions = itertools.count(10**6)
        self._entity_lock = threading.Lock()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        params = _params(handler, body)
        action = params.get('action')
        if action not in ('wbgetentities', 'wbeditentity'):
            # Hand the request on to the real wiki: the proxy reads the body again.
            connection_stream, handler.rfile = handler.rfile, io.BytesIO(body)
            try:
                return super()._handle(handler)
            finally:
                handler.rfile = connection_stream
        headers = dict(handler.headers.items())
        request = Request(handler.command, handler.path, headers, body)
        self.seen.append(request)
        fault = self._fault_for(request)
        if fault is not None and fault.kind == 'status':  # passing trouble in front of Wikibase
            return reply(handler, fault.status, b'upstream trouble', {})
        if action == 'wbgetentities':
            answer = self._get(params)
        else:
            if self.hold_edits:
                self.edit_held.set()
                self.released.wait(120)
                handler.close_connection = True
                return
            answer = self._edit(handler, headers, params)
        reply(handler, 200, json.dumps(answer).encode(), {'Content-Type': 'application/json'})

    # -- wbgetentities -----------------------------------------------------------

    def _get(self, params: dict[str, str]) -> dict[str, Any]:
        ids = [name for name in params.get('ids', '').split('|') if name]
        if len(ids) > 50:
            return _error('toomanyvalues', 'Too many values supplied for parameter "ids". The limit is 50.')
        self.reads.append(ids)
        found = {}
        for name in ids:
            if name.startswith('M'):
                with self._entity_lock:
                    stored = self.entities.get(name)
                found[name] = json.loads(json.dumps(stored)) if stored else {'id': name, 'missing': ''}
            elif name.startswith('P') and name in self.properties:
                found[name] = {
                    'type': 'property',
                    'id': name,
                    'datatype': self.properties[name],
                    **_labels(name, params),
                }
            elif name.startswith('Q') and name in self.items:
                found[name] = {'type': 'item', 'id': name, **_labels(name, params)}
            else:
                found[name] = {'id': name, 'missing': ''}
        return {'entities': found, 'success': 1}

    # -- wbeditentity ------------------------------------------------------------

    def _edit(self, handler, headers: dict[str, str], params: dict[str, str]) -> dict[str, Any]:
        if handler.command != 'POST':
            return _error('mustbeposted', 'The "wbeditentity" module requires a POST request.')
        if not self._token_ok(headers, params.get('token', '')):
            return _error('badtoken', 'Invalid CSRF token.')
        entity_id = params.get('id', '')
        page = self._page(entity_id[1:]) if entity_id.startswith('M') else None
        if page is None:
            return _error('no-such-entity', f'Could not find an entity with the ID "{entity_id}".')
        try:
            data = json.loads(params.get('data', ''))
        except ValueError:
            return _error('invalid-json', 'Could not parse data.')
        with self._entity_lock:
            if self.someone_else is not None:
                self._apply(entity_id, page, self.someone_else)
                self.someone_else = None
            current = self.entities.get(entity_id)
            revision = current['lastrevid'] if current else page['lastrevid']
            base = int(params.get('baserevid') or 0)
            if base and base != revision:
                return {
                    'error': {
                        'code': 'failed-save',
                        'info': 'The save has failed.',
                        'messages': [
                            {'name': 'wikibase-api-failed-save', 'parameters': []},
                            {'name': 'edit-conflict', 'parameters': []},
                        ],
                    }
                }
            problem = self._invalid(data)
            if problem:
                return _error('modification-failed', problem)
            entity = self._apply(entity_id, page, data)
            self.edits.append(params)
            return {'entity': json.loads(json.dumps(entity)), 'success': 1}

    def _apply(self, entity_id: str, page: dict[str, Any], data: dict[str, Any]) -> dict:
        """Save ``data`` on the entity as a new revision (statements get ids and hashes)."""
        entity = self.entities.get(entity_id) or {
            'type': 'mediainfo',
            'id': entity_id,
            'title': page['title'],
            'pageid': page['pageid'],
            'ns': 6,
            'labels': {},
            'descriptions': {},
            'statements': {},
        }
        for language, label in data.get('labels', {}).items():
            entity['labels'][language] = {'language': language, 'value': label['value']}
        for claim in data.get('claims', []):
            snak = claim['mainsnak']
            stored = {
                'mainsnak': {**snak, 'hash': uuid.uuid4().hex[:40]},
                'type': 'statement',
                'id': f'{entity_id}${uuid.uuid4()}',
                'rank': claim.get('rank', 'normal'),
            }
            entity['statements'].setdefault(snak['property'], []).append(stored)
        entity['lastrevid'] = next(self._revisions)
        self.entities[entity_id] = entity
        return entity

    def _invalid(self, data: dict[str, Any]) -> str:
        for language, label in data.get('labels', {}).items():
            if label.get('language') != language or not isinstance(label.get('value'), str):
                return f'label {language} is not {{"language", "value"}}'
            if len(label['value']) > 250:
                return 'Must be no more than 250 characters long'
        for claim in data.get('claims', []):
            snak = claim.get('mainsnak') or {}
            datatype = self.properties.get(snak.get('property'))
            if datatype is None:
                return f'Property {snak.get("property")} not found'
            value = snak.get('datavalue') or {}
            if snak.get('snaktype') != 'value' or value.get('type') != VALUE_TYPES[datatype]:
                return f'Bad value type {value.get("type")}, expected {VALUE_TYPES[datatype]}'
            if value['type'] == 'wikibase-entityid' and value['value']['id'] not in self.items:
                return f'Item {value["value"]["id"]} not found'
        return ''

    # -- the real wiki behind --------------------------------------------------------

    def _page(self, pageid: str) -> dict[str, Any] | None:
        answer = self._ask('GET', {'action': 'query', 'prop': 'info', 'pageids': pageid}, {})
        pages = answer.get('query', {}).get('pages', [])
        page = pages[0] if pages else {}
        return None if not page or page.get('missing') or page.get('ns') != 6 else page

    def _token_ok(self, headers: dict[str, str], token: str) -> bool:
        answer = self._ask(
            'POST',
            {'action': 'checktoken', 'type': 'csrf', 'token': token},
            {'Cookie': headers.get('Cookie', '')},
        )
        return answer.get('checktoken', {}).get('result') == 'valid'

    def _ask(self, method: str, params: dict[str, str], headers: dict[str, str]) -> dict:
        params = {**params, 'format': 'json', 'formatversion': '2'}
        if method == 'GET':
            status, _, body = self._forward('GET', f'/api.php?{urlencode(params)}', headers, b'')
        else:
            status, _, body = self._forward(
                'POST',
                '/api.php',
                {**headers, 'Content-Type': 'application/x-www-form-urlencoded'},
                urlencode(params).encode(),
            )
        return json.loads(body) if status == 200 else {}

    def edited_data(self) -> list[dict[str, Any]]:
        return [json.loads(edit['data']) for edit in self.edits]


def _params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, str]:
    query = parse_qs(urlsplit(handler.path).query)
    if 'multipart/form-data' not in (handler.headers.get('Content-Type') or ''):
        query.update(parse_qs(body.decode('utf-8', 'replace')))
    return {key: values[-1] for key, values in query.items()}


def _error(code: str, info: str) -> dict[str, Any]:
    return {'error': {'code': code, 'info': info}}


def _labels(name: str, params: dict[str, str]) -> dict[str, Any]:
    """The entity's labels when ``props`` asks for them."""
    if 'labels' not in params.get('props', '').split('|') or name not in LABELS:
        return {}
    return {'labels': {'en': {'language': 'en', 'value': LABELS[name]}}}
