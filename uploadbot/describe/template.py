"""Description pages from wikitext templates whose fields are ``{{{field}}}`` arguments.

A template is parsed and checked once, so its mistakes show at load time rather than
on every row; build() fills a copy of the parsed tree with one row's values. A value
that is missing, empty or only whitespace counts as missing, so the argument's default
applies (``{{{date|}}}`` gives an empty date, ``{{{a|{{{b|x}}}}}}`` falls back to b,
then to x). A missing value with no default is an InputError naming the row and the
field.

How each value is escaped for the place it fills, and the check that the built page
kept the template's structure, are in markup.py.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from mwparserfromhell.nodes import (
    Argument,
    ExternalLink,
    Heading,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

from uploadbot.errors import InputError
from uploadbot.names import normalize_title

from .markup import (
    PARSER_TAGS,
    STRICT,
    TABLE_TAGS,
    Context,
    escape,
    intact,
    parse,
    parse_at,
    tag_name,
)

_CATEGORY_PREFIX = re.compile(r'^\s*:?\s*category\s*:', re.IGNORECASE)
#: Values of letters, digits, spaces and ``,.()-`` only are the same wikitext in every
#: context (no escaping changes them) and can form no markup with the text around them,
#: so a row of such values needs neither the tree nor the check that the page is intact.
_PLAIN = re.compile(r'(?:[^\W_]|[ ,.()\-])*')
#: Stands for a field in a skeleton: letters only, so it is plain text everywhere.
_MARK = 'UploadbotSkeletonField'
_BAD_CATEGORY = re.compile(r'[\x00-\x1f\x7f#<>\[\]|{}]|~~~')


class _Filler:
    """One build: walks a copy of the tree and replaces every argument in place."""

    def __init__(self, template: str, values: Mapping[str, str], row: int | None) -> None:
        self.template, self.values, self.row = template, values, row
        self.used: list[str] = []  # fields filled from values, in order

    def fill(self, code: Wikicode, ctx: Context, line_start: bool) -> None:
        out: list[Node] = []
        for node in code.nodes:
            if isinstance(node, Argument):
                before = next((str(n) for n in reversed(out) if str(n)), None)
                at_start = line_start if before is None else before.endswith('\n')
                out.extend(self._argument(node, ctx, at_start))
            else:
                self._children(node, ctx)
                out.append(node)
        code.nodes = out

    def _children(self, node: Node, ctx: Context) -> None:
        if isinstance(node, Template):
            self.fill(node.name, STRICT, False)
            for param in node.params:
                self.fill(param.name, STRICT, False)
                self.fill(param.value, Context(param=param), False)
        elif isinstance(node, Wikilink):
            self.fill(node.title, STRICT, False)
            if node.text is not None:
                self.fill(node.text, Context(link=True), False)
        elif isinstance(node, ExternalLink):
            self.fill(node.url, STRICT, False)
            if node.title is not None:
                self.fill(node.title, replace(ctx, link=True, extlink=True), False)
        elif isinstance(node, Heading):
            self.fill(node.title, replace(ctx, heading=True), False)
        elif isinstance(node, Tag):
            for attr in node.attributes:
                self.fill(attr.name, STRICT, False)
                if attr.value is not None:
                    self.fill(attr.value, STRICT, False)
            if tag_name(node) in PARSER_TAGS:
                ctx = Context()  # MediaWiki takes parser tags out before it splits templates
            elif tag_name(node) in TABLE_TAGS and node.wiki_markup:
                ctx = replace(ctx, table=True)
            if node.contents is not None:
                self.fill(node.contents, ctx, False)

    def _argument(self, node: Argument, ctx: Context, line_start: bool) -> list[Node]:
        name = str(node.name).strip()
        value = self.values.get(name)
        if value is None or not str(value).strip():
            if node.default is None:
                raise InputError(
                    f'the template {self.template} needs a value for {{{{{{{name}}}}}}}',
                    row=self.row,
                    field=name,
                )
            default = copy.deepcopy(node.default)
            self.fill(default, ctx, line_start)
            return list(default.nodes)
        self.used.append(name)
        text = escape(str(value), ctx, line_start, field=name, row=self.row)
        return list(parse_at(text, line_start).nodes)


def _category_name(title: str) -> str | None:
    title = title.strip()
    if title.startswith(':') or not _CATEGORY_PREFIX.match(title):
        return None
    return normalize_title(title.split(':', 1)[1])


def _clean_categories(categories: Iterable[str], row: int | None) -> list[str]:
    names: list[str] = []
    for raw in categories:
        name = normalize_title(_CATEGORY_PREFIX.sub('', raw, count=1))
        bad = _BAD_CATEGORY.search(name)
        if bad:
            raise InputError(
                f'the category {name!r} has {bad.group(0)!r}, which MediaWiki forbids in titles',
                row=row,
                field='categories',
            )
        if name:
            names.append(name)
    return names


def _check_template(tree: Wikicode, name: str) -> list[Argument]:
    """Catch template mistakes once, at load time, rather than on every row."""
    arguments = tree.filter_arguments(recursive=True)
    for argument in arguments:
        if any(not isinstance(node, Text) for node in argument.name.nodes):
            raise InputError(f'the field name in {str(argument)!r} must be plain text', path=name)
    for node in tree.filter_text(recursive=True):
        unmatched = re.search(r'\{\{|\}\}|\[\[|\]\]', node.value)
        if unmatched and not any(
            isinstance(a, Tag) and tag_name(a) in PARSER_TAGS for a in tree.get_ancestors(node)
        ):
            raise InputError(
                f'the template does not parse: unmatched {unmatched.group(0)!r} '
                f'near {node.value.strip()[:40]!r}',
                path=name,
            )
    if not arguments:
        raise InputError(
            'the template has no fields; write them with three braces, like {{{description}}}', path=name
        )
    return arguments


class DescriptionTemplate:
    """A description page with ``{{{field}}}`` holes, parsed once and filled per row.

    ``fields`` are all argument names; ``required`` those that every row must fill:
    used outside any default and without a default of their own.
    """

    def __init__(self, text: str, name: str = '<template>') -> None:
        self.name = name
        self._tree = parse(text)
        arguments = _check_template(self._tree, name)
        in_defaults = {
            id(inner)
            for outer in arguments
            if outer.default is not None
            for inner in outer.default.filter_arguments(recursive=True)
        }
        self.fields = frozenset(str(a.name).strip() for a in arguments)
        self._skeletons: dict[tuple[str, ...], _Skeleton | None] = {}
        self.required = frozenset(
            str(a.name).strip() for a in arguments if a.default is None and id(a) not in in_defaults
        )

    @classmethod
    def from_text(cls, text: str, name: str = '<template>') -> DescriptionTemplate:
        return cls(text, name)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DescriptionTemplate:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise InputError(f'cannot read the template: {error.strerror}', path=path) from error
        try:
            text = data.decode('utf-8-sig')
        except UnicodeDecodeError as error:
            raise InputError(f'the template is not UTF-8 (byte {error.start})', path=path) from error
        return cls(text, os.fspath(path))

    def build(
        self, values: Mapping[str, str], categories: Iterable[str] = (), *, row: int | None = None
    ) -> str:
        """The page text for one row: fields filled, categories appended once each."""
        names = _clean_categories(categories, row)
        present = tuple(sorted(name for name in self.fields if str(values.get(name) or '').strip()))
        if all(_PLAIN.fullmatch(str(values[name])) for name in present):
            skeleton = self._skeleton(present)
            if skeleton is not None:
                return skeleton.fill(values, names)
        page, tree, used = self._render(values, names, row)
        if intact(tree, page):
            return page
        for field in dict.fromkeys(used):  # find the culprit: keep one value, blank the rest
            trial = {k: ('x' if k in used and k != field else v) for k, v in values.items()}
            trial_page, trial_tree, _ = self._render(trial, names, row)
            if not intact(trial_tree, trial_page):
                raise InputError(
                    "the value would break the page's markup; wrap the "
                    'troublesome part in <nowiki>...</nowiki>',
                    row=row,
                    field=field,
                )
        raise InputError(
            f"the values of {', '.join(dict.fromkeys(used))} together would break the page's markup", row=row
        )

    def _skeleton(self, present: tuple[str, ...]) -> _Skeleton | None:
        """The page for rows that fill exactly ``present``, made once (None: no shortcut)."""
        if present not in self._skeletons:
            self._skeletons[present] = _Skeleton.make(self, present)
        return self._skeletons[present]

    def _render(
        self, values: Mapping[str, str], categories: list[str], row: int | None
    ) -> tuple[str, Wikicode, list[str]]:
        tree = copy.deepcopy(self._tree)
        filler = _Filler(self.name, values, row)
        filler.fill(tree, Context(), True)
        seen = {_category_name(str(link.title)) for link in tree.filter_wikilinks(recursive=True)}
        lines = []
        for name in categories:
            if name not in seen:
                seen.add(name)
                lines.append(f'[[Category:{name}]]')
        if lines:
            page = str(tree)
            tree.append(('\n' if page and not page.endswith('\n') else '') + '\n'.join(lines))
        return str(tree), tree, filler.used


class _Skeleton:
    """A template's page for one set of filled fields, with the plain values to go in.

    Made by filling the tree once with marker words, which are plain text
    like the values that use it; :meth:`make` refuses (None) when the
    template already holds a marker, a row would lack a required field, a
    marker lands in a link (the categories already there would then depend
    on the value), or the marked page is not intact.
    """

    def __init__(self, pieces: list[str], fields: list[str], seen: set[str | None]) -> None:
        self.pieces, self.fields, self.seen = pieces, fields, seen

    @classmethod
    def make(cls, template: DescriptionTemplate, present: tuple[str, ...]) -> _Skeleton | None:
        if _MARK in str(template._tree):
            return None
        marks = {name: f'{_MARK}{index}x' for index, name in enumerate(present)}
        try:
            page, tree, _ = template._render(marks, ['Skeleton check'], None)
        except InputError:
            return None  # the row's own build names the missing field
        if not intact(tree, page):
            return None
        tree = parse(template._render(marks, [], None)[0])
        if any(_MARK in str(link.title) for link in tree.filter_wikilinks(recursive=True)):
            return None
        pattern = re.compile('|'.join(re.escape(mark) for mark in marks.values()) or '(?!)')
        by_mark = {mark: name for name, mark in marks.items()}
        text = str(tree)
        fields = [by_mark[match] for match in pattern.findall(text)]
        seen = {_category_name(str(link.title)) for link in tree.filter_wikilinks(recursive=True)}
        return cls(pattern.split(text), fields, seen)

    def fill(self, values: Mapping[str, str], categories: list[str]) -> str:
        """The page: the pieces with the values between them, then new categories."""
        out = [self.pieces[0]]
        for name, piece in zip(self.fields, self.pieces[1:]):
            out += (str(values[name]), piece)
        page = ''.join(out)
        seen, lines = set(self.seen), []
        for name in categories:
            if name not in seen:
                seen.add(name)
                lines.append(f'[[Category:{name}]]')
        if lines:
            page += ('\n' if page and not page.endswith('\n') else '') + '\n'.join(lines)
        return page
