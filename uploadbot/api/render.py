"""What the wiki makes of a page before it exists: its parser's HTML, categories, styles.

``action=parse`` of the built wikitext with the file's own title (``pst``, so
``~~~~`` and ``{{subst:}}`` are expanded as at upload) is one request per
page, sent through the caller's transfer, so its retries and pace apply.
The wiki's styles for those pages are fetched once; item and property
labels come from the data repository, 50 at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin

#: Entities ``wbgetentities`` takes in one request.
BATCH = 50


class Wiki(Protocol):
    """What rendering needs of a transfer (:class:`~uploadbot.api.transfer.SiteTransfer`)."""

    def api(self, action: str, *, write: bool = False, **params: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Category:
    name: str
    missing: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class Rendered:
    """One page as the wiki's parser renders it."""

    title: str
    html: str
    categories: tuple[Category, ...]
    styles: tuple[str, ...]


def parse(wiki: Wiki, title: str, text: str) -> Rendered:
    """The wiki's HTML of ``text`` as the page ``title`` (one request)."""
    data = wiki.api(
        'parse',
        title=title,
        text=text,
        pst=True,
        contentmodel='wikitext',
        prop='text|categories|modulestyles',
        disablelimitreport=True,
        disableeditsection=True,
    )
    parsed = data.get('parse') or {}
    categories = tuple(
        Category(
            entry['category'].replace('_', ' '),
            missing=bool(entry.get('missing')),
            hidden=bool(entry.get('hidden')),
        )
        for entry in parsed.get('categories') or []
    )
    html = parsed.get('text') or ''
    if isinstance(html, dict):  # formatversion=1
        html = html.get('*', '')
    return Rendered(parsed.get('title', title), html, categories, tuple(parsed.get('modulestyles') or ()))


_ATTRIBUTE = re.compile(r'\b(href|src)="(/[^"]*|\./[^"]*)"')
_IMAGE = re.compile(r'<img\b[^>]*>', re.IGNORECASE)
_ALT = re.compile(r'\balt="([^"]*)"')
_SRCSET = re.compile(r'\s+srcset="[^"]*"')


def absolute_links(html: str, article_url: str) -> str:
    """Links made absolute on the wiki (``article_url`` is a page's URL there), and images
    the wiki would serve shown as their alternative text: the page loads nothing."""

    def image(match: re.Match[str]) -> str:
        alt = _ALT.search(match[0])
        return f'<span class="wiki-image">[{alt[1] if alt else "image"}]</span>'

    html = _IMAGE.sub(image, html)
    html = _SRCSET.sub('', html)
    return _ATTRIBUTE.sub(lambda m: f'{m[1]}="{urljoin(article_url, m[2])}"', html)


_CSS_URL = re.compile(r'url\(\s*(["\']?)(?!data:)[^)]*\1\s*\)', re.IGNORECASE)
_CSS_IMPORT = re.compile(r'@import[^;]*;', re.IGNORECASE)


def offline_css(css: str) -> str:
    """The styles without what would be fetched from elsewhere (images, imports)."""
    return _CSS_URL.sub('none', _CSS_IMPORT.sub('', css))


def styles(fetch: Any, load_url: str, modules: Iterable[str], skin: str) -> str:
    """The wiki's styles for ``modules``, fetched once with ``fetch(url) -> text``."""
    names = '|'.join(sorted(set(modules)))
    if not names:
        return ''
    return offline_css(fetch(f'{load_url}?modules={names}&only=styles&skin={skin}'))


def labels(repo: Wiki, ids: Iterable[str], languages: Iterable[str]) -> dict[str, str]:
    """Each entity's label in the first of ``languages`` it has (English last), from the
    data repository; an entity without one is left out."""
    wanted = sorted(set(ids))
    order = [*dict.fromkeys([*languages, 'en'])]
    found: dict[str, str] = {}
    for start in range(0, len(wanted), BATCH):
        data = repo.api(
            'wbgetentities',
            ids='|'.join(wanted[start : start + BATCH]),
            props='labels',
            languages='|'.join(order),
        )
        for key, entity in (data.get('entities') or {}).items():
            names = entity.get('labels') or {}
            for language in order:
                if language in names:
                    found[key] = names[language]['value']
                    break
    return found


def site_addresses(site: Any) -> tuple[str, str, str]:
    """A page's URL on the wiki (links are made absolute against it), ``load.php``'s
    URL and the default skin, from pywikibot's siteinfo."""
    general = site.siteinfo['general']
    server = general['server']
    if server.startswith('//'):
        server = 'https:' + server
    article = server + general['articlepath'].replace('$1', 'File:Preview')
    load = server + general['scriptpath'] + '/load.php'
    skins = site.siteinfo.get('skins') or []
    skin = next((entry.get('code') for entry in skins if entry.get('default')), 'vector')
    return article, load, skin or 'vector'


def site_styles(site: Any) -> Any:
    """``fetch_styles(modules)`` for the site: its skin's and its own (``MediaWiki:Common.css``)
    styles with the page's modules, in one request on pywikibot's session."""
    import pywikibot
    from pywikibot.comms import http

    _, load, skin = site_addresses(site)

    def fetch(url: str) -> str:
        response = http.fetch(url)
        response.raise_for_status()
        return response.text

    def fetch_styles(modules: Iterable[str]) -> str:
        wanted = {*modules, f'skins.{skin}.styles', 'site.styles'}
        try:
            return styles(fetch, load, wanted, skin)
        except (OSError, pywikibot.exceptions.Error) as error:  # requests' errors are OSErrors
            pywikibot.warning(
                f"the wiki's styles could not be fetched ({error}); the preview shows its pages without them"
            )
            return ''

    return fetch_styles
