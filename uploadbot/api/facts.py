"""What the wiki says about itself before a batch: licence tags, categories, refusals, limits.

Read queries only, each batched where the API has a batched form (categories
50 titles at a time, or 500 for an account with ``apihighlimits``; every
answer the wiki continues is followed). The title
blacklist has no batched form: one ``action=titleblacklist`` per name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from uploadbot.names import normalize_title

from .lookup import TITLES_PER_QUERY, answers
from .session import EXTENSIONS_MAX_AGE_DAYS

#: Where Wikimedia Commons files its licence templates (with subcategories).
LICENCE_CATEGORY = 'License tags'

#: Commons' soft category redirects: pages in this category, carrying this template.
SOFT_REDIRECT_CATEGORY = 'Category redirects'
SOFT_REDIRECT_TEMPLATE = re.compile(
    r'\{\{\s*category[ _]redirect\s*\|\s*(?:1\s*=\s*)?'
    r'(?:category:)?([^|}]+)',
    re.IGNORECASE,
)

#: The on-wiki list of domains the wiki copies uploads from.
COPY_DOMAINS_PAGE = 'MediaWiki:Copyupload-allowed-domains'


class Reader(Protocol):
    def query(self, **params: Any) -> dict[str, Any]: ...

    def api(self, action: str, **params: Any) -> dict[str, Any]: ...


def continued(wiki: Reader, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every entry of the list ``key`` of a query, following ``continue``."""
    for answer in answers(wiki, **params):
        yield from answer.get(key, [])


def extensions(site: Any) -> frozenset[str]:
    """Names of the extensions a pywikibot site's siteinfo lists.

    pywikibot asks the wiki once and keeps the answer, so every check that
    depends on an extension (the title blacklist, structured data) reads
    the same list without a request of its own.
    """
    listed = site.siteinfo.get('extensions', expiry=EXTENSIONS_MAX_AGE_DAYS)
    return frozenset(entry.get('name', '') for entry in listed or [])


def licence_templates(wiki: Reader, category: str = LICENCE_CATEGORY) -> set[str]:
    """Every template in ``Category:category`` and its subcategories, without the prefix."""
    templates: set[str] = set()
    seen: set[str] = set()
    queue = [normalize_title(category)]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        for member in continued(
            wiki,
            'categorymembers',
            list='categorymembers',
            cmtitle=f'Category:{name}',
            cmnamespace='10|14',
            cmprop='title',
            cmlimit='max',
        ):
            rest = normalize_title(member.get('title', '').partition(':')[2])
            (queue.append if member.get('ns') == 14 else templates.add)(rest)
    return templates


@dataclass(frozen=True)
class CategoryState:
    """A category that will not do: missing, or a redirect to ``target``."""

    name: str
    missing: bool = False
    target: str = ''


def category_states(
    wiki: Reader, names: Iterable[str], *, per_query: int = TITLES_PER_QUERY
) -> dict[str, CategoryState]:
    """The named categories that are missing or redirects (hard or Commons' soft ones).

    A query lists at most ``cllimit`` categories over all its pages, so an
    answer with many soft redirects is continued, and followed.
    """
    names = list(dict.fromkeys(normalize_title(name) for name in names))
    found: dict[str, CategoryState] = {}
    soft: dict[str, None] = {}
    for start in range(0, len(names), per_query):
        group = names[start : start + per_query]
        for page in continued(
            wiki,
            'pages',
            titles='|'.join(f'Category:{name}' for name in group),
            prop='categories|info',
            cllimit='max',
            clcategories=f'Category:{SOFT_REDIRECT_CATEGORY}',
        ):
            name = page.get('title', '').partition(':')[2]
            if page.get('missing'):
                found[name] = CategoryState(name, missing=True)
            elif page.get('redirect'):
                found[name] = CategoryState(name, target=_hard_target(wiki, name))
            elif page.get('categories'):
                soft[name] = None
    texts = page_texts(wiki, [f'Category:{name}' for name in soft], per_query=per_query)
    for name, text in texts.items():
        match = SOFT_REDIRECT_TEMPLATE.search(text)
        name = name.partition(':')[2]
        found[name] = CategoryState(name, target=normalize_title(match[1]) if match else '?')
    return found


def _hard_target(wiki: Reader, name: str) -> str:
    answer = wiki.query(titles=f'Category:{name}', redirects=True)
    targets = [entry.get('to', '') for entry in answer.get('redirects', [])]
    return targets[-1].partition(':')[2] if targets else '?'


def page_texts(wiki: Reader, titles: Iterable[str], *, per_query: int = TITLES_PER_QUERY) -> dict[str, str]:
    """The current text of each named page that exists.

    The wiki sends the texts of a group of pages until its answer is full,
    then continues: a page without its revision in one answer has it in a later one.
    """
    titles = list(titles)
    texts: dict[str, str] = {}
    for start in range(0, len(titles), per_query):
        for page in continued(
            wiki,
            'pages',
            titles='|'.join(titles[start : start + per_query]),
            prop='revisions',
            rvprop='content',
            rvslots='main',
        ):
            revisions = page.get('revisions') or []
            if revisions:
                texts[page['title']] = revisions[0].get('slots', {}).get('main', {}).get('content', '')
    return texts


def title_refusal(wiki: Reader, filename: str) -> str:
    """Why the title blacklist refuses uploading ``File:filename`` ('' when it does not)."""
    answer = wiki.api('titleblacklist', tbaction='upload', tbtitle=f'File:{filename}')
    verdict = answer.get('titleblacklist', {})
    if verdict.get('result') != 'blacklisted':
        return ''
    line = html.unescape(verdict.get('line') or '').strip()
    return (
        f'the title blacklist refuses this name (rule {line!r})'
        if line
        else 'the title blacklist refuses this name'
    )


def copy_domains(wiki: Reader) -> list[str] | None:
    """The domains of the on-wiki copy-upload list; None when the wiki keeps none."""
    text = page_texts(wiki, [COPY_DOMAINS_PAGE]).get(COPY_DOMAINS_PAGE)
    if text is None:
        return None
    lines = (line.split('#', 1)[0].strip() for line in text.splitlines())
    return [line.lower() for line in lines if line]


def domain_allowed(host: str, domains: Iterable[str]) -> bool:
    """MediaWiki's rule: the same host, or as many labels with ``*`` matching any one."""
    host = host.lower()
    pieces = host.split('.')
    for domain in domains:
        if domain == host:
            return True
        wanted = domain.split('.')
        if len(wanted) == len(pieces) and all(want in ('*', piece) for want, piece in zip(wanted, pieces)):
            return True
    return False


@dataclass(frozen=True)
class Tag:
    name: str
    defined: bool
    active: bool
    manual: bool


def change_tags(wiki: Reader) -> dict[str, Tag]:
    """Every change tag the wiki knows, by name."""
    return {
        entry['name']: Tag(
            entry['name'],
            bool(entry.get('defined')),
            bool(entry.get('active')),
            'manual' in (entry.get('source') or []),
        )
        for entry in continued(wiki, 'tags', list='tags', tgprop='defined|active|source', tglimit='max')
    }


@dataclass(frozen=True)
class Limits:
    """The account's upload rate limit (hits per seconds; None when it has none)."""

    hits: int | None
    seconds: int | None
    exempt: bool


def upload_limits(wiki: Reader) -> Limits:
    """The strictest upload limit the wiki applies to this account (``meta=userinfo``)."""
    info = wiki.query(meta='userinfo', uiprop='ratelimits|rights|groups').get('userinfo', {})
    if 'noratelimit' in (info.get('rights') or []):
        return Limits(None, None, exempt=True)
    limits = (info.get('ratelimits') or {}).get('upload') or {}
    if not limits:
        return Limits(None, None, exempt=False)
    strictest = min(limits.values(), key=lambda limit: limit['hits'] / limit['seconds'])
    return Limits(int(strictest['hits']), int(strictest['seconds']), exempt=False)
