"""Checks of the built pages against the wiki, before the first upload.

Commons deletes files without a licence, and a category that does not exist
(``Beans`` for ``Bean``) or has become a redirect leaves a file badly filed.
The title blacklist refuses generic camera names (``DSC_0001.JPG``) only when
the file is sent. So before anything is sent (with ``-check`` and before
every run's first upload) each row's page and name are checked here, and
each problem is reported by row and column like any bad input: a name the
title blacklist refuses as a :class:`~uploadbot.errors.Refusal` (the row ends
``refused``, as if the wiki had refused it at upload), the others as rows
that are ``invalid`` until a person changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import mwparserfromhell
from mwparserfromhell.wikicode import Wikicode

from uploadbot.api import facts
from uploadbot.api.lookup import TITLES_PER_QUERY
from uploadbot.errors import InputError, Refusal
from uploadbot.item import UploadItem
from uploadbot.names import normalize_title

from .plan import Plan


@dataclass(frozen=True)
class CheckSettings:
    """Which checks run; ``licence_templates`` replaces the wiki's licence category."""

    licences: bool = True
    categories: bool = True
    titles: bool = True
    licence_templates: tuple[str, ...] | None = None
    #: Titles per query (see :func:`uploadbot.api.lookup.titles_per_query`).
    titles_per_query: int = TITLES_PER_QUERY
    #: The wiki's installed extensions (:func:`uploadbot.api.facts.extensions`): the
    #: title check runs only where TitleBlacklist is one of them.
    extensions: frozenset[str] = frozenset()
    #: ``-tracking-category:`` names, on every page: one that is wrong is the batch's
    #: problem, found once, not every row's.
    tracking_categories: tuple[str, ...] = ()


@dataclass
class Findings:
    """Problems (each settles its row before sending) and notes (for the operator to read)."""

    problems: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def templates_in(text: str | Wikicode) -> set[str]:
    """Template names a page uses, and plain positional values that may name one.

    The values count because licences are often passed on by a wrapper:
    ``{{self|cc-by-sa-4.0}}`` carries ``Cc-by-sa-4.0``.
    """
    names: set[str] = set()
    for template in mwparserfromhell.parse(text).filter_templates(recursive=True):
        names.add(_template_name(str(template.name)))
        for param in template.params:
            value = str(param.value).strip()
            if not param.showkey and value and not set('{}[]|<>=\n') & set(value):
                names.add(_template_name(value))
    names.discard('')
    return names


def categories_in(text: str | Wikicode) -> list[str]:
    """The categories a page files itself in (``[[Category:X]]``, not ``[[:Category:X]]``)."""
    found = []
    for link in mwparserfromhell.parse(text).filter_wikilinks(recursive=True):
        prefix, colon, rest = str(link.title).strip().partition(':')
        if colon and prefix.strip().lower() == 'category':
            found.append(normalize_title(rest))
    return list(dict.fromkeys(name for name in found if name))


def _template_name(name: str) -> str:
    name = name.strip()
    prefix, colon, rest = name.partition(':')
    if colon and prefix.strip().lower() == 'template':
        name = rest
    return normalize_title(name)


def _category_problem(name: str, state: facts.CategoryState | None) -> str:
    """What is wrong with a category a page files itself in ('' when nothing is)."""
    if state is None:
        return ''
    if state.missing:
        return f'the category {name!r} does not exist on the wiki'
    return f'the category {name!r} is a redirect to {state.target!r}; use the target'


class PreChecks:
    """The wiki-side checks of one plan, sharing what they learn (one licence list per run)."""

    def __init__(self, plan: Plan, wiki: facts.Reader, settings: CheckSettings) -> None:
        self.plan = plan
        self.wiki = wiki
        self.settings = settings

    def run(self, *, copy_uploads: bool) -> Findings:
        findings = Findings()
        marks = self._marks() if self.settings.licences or self.settings.categories else {}
        if self.settings.licences:
            self._licences(findings, {row: names for row, (names, _) in marks.items()})
        if self.settings.categories:
            self._categories(findings, {row: names for row, (_, names) in marks.items()})
        if self.settings.titles:
            self._titles(findings)
        self._copy_sources(findings, copy_uploads)
        return findings

    def _marks(self) -> dict[int, tuple[set[str], list[str]]]:
        """Each row's templates and categories, from one parse of its page (parsing is
        most of the checks' own time: about 0.3 ms a row)."""
        marks = {}
        for item in self.plan.items:
            page = mwparserfromhell.parse(item.text)
            marks[item.row] = (templates_in(page), categories_in(page))
        return marks

    def _error(self, item: UploadItem, column: str, message: str) -> InputError:
        return InputError(message, path=self.plan.manifest_path, row=item.row, field=column)

    # -- licences ------------------------------------------------------------

    def _licences(self, findings: Findings, used: dict[int, set[str]]) -> None:
        given = self.settings.licence_templates
        if given is not None:
            licences, origin = {_template_name(name) for name in given}, '-licence-templates:'
        else:
            licences = facts.licence_templates(self.wiki)
            origin = f'Category:{facts.LICENCE_CATEGORY}'
        if not licences:
            findings.notes.append(
                f'licence check skipped: {origin} on this wiki holds no '
                'templates; name them with -licence-templates:'
            )
            return
        unsure = [names for names in used.values() if not names & licences]
        if unsure:  # a redirect to a licence template is a licence too
            licences |= self._redirects_to(licences, set().union(*unsure))
        for item in self.plan.items:
            if not used[item.row] & licences:
                row = self.plan.rows.get(item.row)
                column = next(
                    (name for name in ('license', 'licence') if row is not None and name in row.fields),
                    'template',
                )
                findings.problems.append(
                    self._error(
                        item,
                        column,
                        f'the page would carry no licence: it uses no template '
                        f'from {origin}; Commons deletes files without one',
                    )
                )

    def _redirects_to(self, licences: set[str], names: set[str]) -> set[str]:
        """Those of ``names`` that are redirects to a licence template."""
        names = sorted(name for name in names if ':' not in name and not name.startswith('#'))
        found = set()
        per_query = self.settings.titles_per_query
        for start in range(0, len(names), per_query):
            group = names[start : start + per_query]
            answer = self.wiki.query(titles='|'.join(f'Template:{name}' for name in group), redirects=True)
            for entry in answer.get('redirects', []):
                if _template_name(entry.get('to', '')) in licences:
                    found.add(_template_name(entry.get('from', '')))
        return found

    # -- categories ----------------------------------------------------------

    def _categories(self, findings: Findings, per_row: dict[int, list[str]]) -> None:
        tracking = {normalize_title(name) for name in self.settings.tracking_categories}
        states = facts.category_states(
            self.wiki,
            [*sorted(tracking), *(name for names in per_row.values() for name in names)],
            per_query=self.settings.titles_per_query,
        )
        bare = [str(item.row) for item in self.plan.items if not per_row[item.row]]
        if bare:
            more = f' and {len(bare) - 10} more' if len(bare) > 10 else ''
            findings.notes.append(
                f'{len(bare)} row(s) add no category (rows '
                f'{", ".join(bare[:10])}{more}); Commons asks for at least one'
            )
        for name in sorted(tracking):
            problem = _category_problem(name, states.get(name))
            if problem:
                findings.problems.append(InputError(f'-tracking-category:{name}: {problem}'))
        for item in self.plan.items:
            row = self.plan.rows.get(item.row)
            own = {normalize_title(name) for name in (row.categories if row else [])}
            for name in per_row[item.row]:
                problem = _category_problem(name, states.get(name))
                if problem and name not in tracking - own:
                    column = 'categories' if name in own else 'template'
                    findings.problems.append(self._error(item, column, problem))

    # -- names ---------------------------------------------------------------

    def _titles(self, findings: Findings) -> None:
        if 'TitleBlacklist' not in self.settings.extensions:
            return
        for item in self.plan.items:
            refusal = facts.title_refusal(self.wiki, item.filename)
            if refusal:
                row = self.plan.rows.get(item.row)
                column = 'filename' if row is not None and row.filename else 'file'
                findings.problems.append(
                    Refusal(refusal, path=self.plan.manifest_path, row=item.row, field=column)
                )

    # -- URL rows ------------------------------------------------------------

    def _copy_sources(self, findings: Findings, copy_uploads: bool) -> None:
        urls = [item for item in self.plan.items if item.url]
        if not urls:
            return
        if not copy_uploads:
            findings.notes.append(
                f'{len(urls)} URL row(s): the account may not upload by URL, '
                'so the bot downloads each file and uploads it itself'
            )
            return
        domains = facts.copy_domains(self.wiki)
        if domains is None:
            return
        for item in urls:
            host = urlsplit(item.url).hostname or ''
            if not facts.domain_allowed(host, domains):
                findings.notes.append(
                    f'row {item.row}: the wiki does not copy from {host} '
                    f'({facts.COPY_DOMAINS_PAGE}); the bot downloads the '
                    'file and uploads it itself'
                )
