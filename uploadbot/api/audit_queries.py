"""What became of published files, as the wiki tells it: the questions ``-audit`` asks.

One query per group of titles (50, or 500 with ``apihighlimits``) asks for
everything at once: whether the page is there or a redirect (``redirects``),
its file's current version (``imageinfo``: SHA1 and uploader), its latest
revision's author (``revisions``), the nomination templates on it
(``templates`` limited to the listed ones) and its categories; an answer the
wiki continues is followed. Only a title that is gone costs a query of its own,
in its log (deleted: who, when, why; or moved away without a redirect). So
1,000 rows cost 2 to 20 queries, plus one per file gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from uploadbot.names import normalize_title

from .lookup import TITLES_PER_QUERY, answers

#: Commons' deletion templates (``Template:`` left out) and the categories they add;
#: a category matches as a prefix, for the dated ones (``Deletion requests December 2026``).
NOMINATION_TEMPLATES = (
    'Delete',
    'Speedydelete',
    'Copyvio',
    'No license since',
    'No source since',
    'No permission since',
)
NOMINATION_CATEGORIES = (
    'Deletion requests',
    'Candidates for speedy deletion',
    'Copyright violations',
    'Media without a license',
    'Media without a source',
    'Media missing permission',
)


class Querier(Protocol):
    def query(self, **params: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Nominations:
    """The templates and categories that mark a page nominated for deletion."""

    templates: tuple[str, ...] = NOMINATION_TEMPLATES
    categories: tuple[str, ...] = NOMINATION_CATEGORIES

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Nominations:
        """``Category:X`` names a category, anything else a template (``Template:`` optional)."""
        templates, categories = [], []
        for name in names:
            space, colon, rest = name.partition(':')
            space = space.strip().lower()
            if colon and space == 'category':
                categories.append(normalize_title(rest))
            else:
                templates.append(normalize_title(rest if colon and space == 'template' else name))
        return cls(tuple(templates), tuple(categories))

    def marks(self, templates: Iterable[str], categories: Iterable[str]) -> list[str]:
        """The page's templates and categories (with their prefixes) that nominate it."""
        listed = {normalize_title(name) for name in self.templates}
        found = [title for title in templates if normalize_title(title.partition(':')[2]) in listed]
        found += [
            title
            for title in categories
            if any(title.partition(':')[2].startswith(normalize_title(prefix)) for prefix in self.categories)
        ]
        return found


@dataclass
class PageFacts:
    """What the wiki says of one ``File:`` title now (after a redirect, of its target)."""

    title: str
    missing: bool = False
    #: The title is a redirect to this one (the file was moved).
    moved_to: str = ''
    #: The page stands, but holds no file.
    fileless: bool = False
    sha1: str = ''
    uploader: str = ''
    uploaded: str = ''
    editor: str = ''
    edited: str = ''
    templates: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LogEntry:
    """The newest deletion or move of a title that is gone."""

    action: str
    user: str
    timestamp: str
    comment: str
    #: Where a move took the page.
    target: str = ''


def file_title(title: str) -> str:
    """``File:Name`` in the wiki's canonical form, from a title with or without the prefix."""
    name = title[5:] if title[:5].lower() == 'file:' else title
    return f'File:{normalize_title(name)}'


def page_facts(
    wiki: Querier,
    titles: Iterable[str],
    *,
    nominations: Nominations,
    per_query: int = TITLES_PER_QUERY,
    on_query: Callable[[int], None] | None = None,
) -> dict[str, PageFacts]:
    """The facts of each ``File:`` title (canonical form, as :func:`file_title` gives)."""
    titles = list(dict.fromkeys(titles))
    found: dict[str, PageFacts] = {}
    templates = '|'.join(f'Template:{normalize_title(name)}' for name in nominations.templates)
    for start in range(0, len(titles), per_query):
        group = titles[start : start + per_query]
        params = dict(
            titles='|'.join(group),
            redirects=True,
            prop='info|imageinfo|revisions|categories' + ('|templates' if templates else ''),
            iiprop='sha1|user|timestamp',
            rvprop='user|timestamp',
            cllimit='max',
        )
        if templates:
            params.update(tltemplates=templates, tllimit='max')
        found.update(_group_facts(wiki, group, params))
        if on_query is not None:
            on_query(len(group))
    return found


def _group_facts(wiki: Querier, group: list[str], params: dict[str, Any]) -> dict[str, PageFacts]:
    pages: dict[str, dict[str, Any]] = {}
    moved: dict[str, str] = {}
    normalized: dict[str, str] = {}
    for answer in answers(wiki, **params):
        for entry in answer.get('normalized', []):  # a title the wiki writes otherwise
            normalized[entry['from']] = entry['to']
        for redirect in answer.get('redirects', []):
            moved[redirect['from']] = redirect['to']
        for page in answer.get('pages', []):
            merged = pages.setdefault(page.get('title', ''), {})
            for key, value in page.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
                else:
                    merged.setdefault(key, value)
    facts = {}
    for title in group:
        asked = normalized.get(title, title)
        target = moved.get(asked, '')
        page = pages.get(target or asked, {'missing': True})
        facts[title] = _facts(asked, target, page)
    return facts


def _facts(title: str, target: str, page: dict[str, Any]) -> PageFacts:
    if page.get('missing') or page.get('invalid'):
        return PageFacts(title, missing=not target, moved_to=target)
    version = (page.get('imageinfo') or [{}])[0]
    revision = (page.get('revisions') or [{}])[0]
    return PageFacts(
        title,
        moved_to=target,
        fileless=not page.get('imageinfo'),
        sha1=version.get('sha1', ''),
        uploader=version.get('user', ''),
        uploaded=version.get('timestamp', ''),
        editor=revision.get('user', ''),
        edited=revision.get('timestamp', ''),
        templates=[entry['title'] for entry in page.get('templates', [])],
        categories=[entry['title'] for entry in page.get('categories', [])],
    )


def last_removal(wiki: Querier, title: str) -> LogEntry | None:
    """The newest deletion or move of ``title`` in the wiki's log, or None if it has none."""
    answer = wiki.query(
        list='logevents', letitle=title, leprop='type|user|timestamp|comment|details', lelimit=10
    )
    for event in answer.get('logevents', []):
        if event.get('type') == 'delete' and event.get('action') == 'delete':
            return LogEntry(
                'delete', event.get('user', ''), event.get('timestamp', ''), event.get('comment', '')
            )
        if event.get('type') == 'move':
            target = (event.get('params') or {}).get('target_title', '')
            return LogEntry(
                'move', event.get('user', ''), event.get('timestamp', ''), event.get('comment', ''), target
            )
    return None
