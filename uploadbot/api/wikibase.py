"""Wikibase on the wire: a file's MediaInfo entity, its one edit, and the repository's ids.

``wbgetentities`` reads a file's entity (``M`` + the file page's id) and, on
the item repository (Wikidata for Commons), which items and properties exist
and each property's datatype, 50 ids a request (the limit for accounts
without ``apihighlimits``). ``wbeditentity`` writes the entity: the token,
``maxlag``, ``bot``, the change tags and the ``baserevid`` the edit was
merged against, so an edit made meanwhile comes back as a conflict instead of
being overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

#: Ids per ``wbgetentities`` request.
BATCH = 50

#: Message keys in a ``wbeditentity`` error that mean the entity changed since
#: it was read. Wikibase answers a conflict with ``failed-save`` and lists
#: ``edit-conflict`` among the error's ``messages``.
CONFLICT_MESSAGES = frozenset({'edit-conflict', 'editconflict'})


class WikibaseAPI(Protocol):
    """What these functions need of a transfer."""

    def query(self, **params: Any) -> dict[str, Any]: ...

    def api(self, action: str, *, write: bool = False, **params: Any) -> dict[str, Any]: ...


def file_page(wiki: WikibaseAPI, title: str) -> tuple[str, int] | None:
    """The MediaInfo id of a file page and the page's latest revision (None when missing)."""
    pages = wiki.query(prop='info', titles=title).get('pages') or []
    page = pages[0] if pages else {}
    if not page or page.get('missing') or 'pageid' not in page:
        return None
    return f'M{page["pageid"]}', int(page.get('lastrevid') or 0)


def entity(wiki: WikibaseAPI, entity_id: str) -> dict[str, Any]:
    """The entity as ``wbgetentities`` gives it (``missing`` set when it has no data yet)."""
    data = wiki.api('wbgetentities', ids=entity_id)
    return dict((data.get('entities') or {}).get(entity_id) or {'id': entity_id, 'missing': ''})


def edit(
    wiki: WikibaseAPI,
    entity_id: str,
    data: Mapping[str, Any],
    *,
    baserevid: int,
    summary: str,
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """One ``wbeditentity`` on ``entity_id``; the wiki's answer (``entity`` and ``success``)."""
    params: dict[str, Any] = {
        'id': entity_id,
        'data': json.dumps(data, ensure_ascii=False),
        'bot': True,
        'summary': summary,
    }
    if baserevid:
        params['baserevid'] = baserevid
    if tags:
        params['tags'] = '|'.join(tags)
    return wiki.api('wbeditentity', write=True, **params)


def repository_entities(repo: WikibaseAPI, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The entities among ``ids`` that exist on the repository (properties with ``datatype``)."""
    wanted = sorted(set(ids), key=lambda name: (name[0], int(name[1:])))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        data = repo.api('wbgetentities', ids='|'.join(chunk), props='datatype')
        for key, value in (data.get('entities') or {}).items():
            if 'missing' in value:
                continue
            redirect = (value.get('redirects') or {}).get('from')
            for name in {key, value.get('id', key), redirect} - {None}:
                found[name] = value
    return found


def is_conflict(code: str, data: Mapping[str, Any]) -> bool:
    """Whether a ``wbeditentity`` error (its code and extra data) is an edit conflict."""
    names = {message.get('name') for message in data.get('messages') or [] if isinstance(message, Mapping)}
    return code == 'editconflict' or (code == 'failed-save' and bool(names & CONFLICT_MESSAGES))
