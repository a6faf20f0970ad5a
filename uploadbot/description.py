"""Description pages from wikitext templates whose fields are ``{{{field}}}`` arguments.

A template is parsed once; build() fills a copy of the parsed tree with one row's
values. A value that is missing, empty or only whitespace counts as missing, so the
argument's default applies (``{{{date|}}}`` gives an empty date, ``{{{a|{{{b|x}}}}}}``
falls back to b, then to x). A missing value with no default is an InputError naming
the row and the field.

Values are wikitext: balanced markup in them (links, templates, tags, comments,
``<nowiki>...</nowiki>``) is kept as written. The plain text around it is escaped
according to where the argument stands ("nowiki": wrapped in ``<nowiki>...</nowiki>``,
which shows the characters as typed and stops them pairing with markup outside):

============================  =========  ============  ================  =========
plain text in the value       page,      template      link text,        name [5]_
                              heading    parameter     table cell
============================  =========  ============  ================  =========
``|``                         kept       ``{{!}}``     ``&#124;``        refused
``=``                         kept       kept [1]_     kept              refused
``{{ }} [[ ]]`` (runs)        nowiki     nowiki        nowiki            refused
``{ } [ ]`` at an edge [2]_   nowiki     nowiki        nowiki            refused
unpaired ``''`` or ``'''``    nowiki     nowiki        nowiki            kept
``~~~`` (a signature)         nowiki     nowiki        nowiki            refused
``-{`` (lang. conversion)     nowiki     nowiki        nowiki            refused
``<`` (starting no tag)       ``&lt;``   ``&lt;``      ``&lt;``          refused
``]``                         kept       kept          ``&#93;`` [3]_    refused
``!!``, ``!`` at line start   kept       kept          ``&#33;`` [3]_    kept
a line break                  kept [4]_  kept          refused           refused
an unclosed ``<!--``          refused    refused       refused           refused
a tag without its partner     refused    refused       refused           refused
(``<nowiki>``, ``</ref>``)
============================  =========  ============  ================  =========

.. [1] In a positional parameter the parameter is written ``1=``-style, since
   MediaWiki would read ``a=b`` as a parameter named a; the value stays as typed.
.. [2] At either end of the value or next to markup in it: ``{`` + ``{{!}}`` + ``}}``
   would read as ``{{{!}}}``, ``[`` + a bare URL + a later ``]`` as a link.
.. [3] ``]`` only in an external link's title, ``!`` only in table cells.
.. [4] Refused in a heading, which must stay on one line.
.. [5] Template, parameter and tag attribute names and link targets: plain text only.

Refusing is for what we cannot guess: an unclosed comment would hide the rest of the
page, and a stray tag would swallow or pair with markup elsewhere.

As a final guard the built page is parsed again; if its structure differs from the
filled tree, build() raises an InputError naming the field whose value broke it.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument, Comment, ExternalLink, Heading, HTMLEntity, Node, Tag, Template, Text, Wikilink
)
from mwparserfromhell.nodes.extras import Parameter
from mwparserfromhell.wikicode import Wikicode

from .errors import InputError
from .names import normalize_title

# Tags whose content MediaWiki's preprocessor takes out whole (core and common extensions).
_PARSER_TAGS = frozenset({
    "nowiki", "pre", "ref", "references", "gallery", "math", "chem", "ce", "syntaxhighlight",
    "source", "poem", "timeline", "graph", "score", "templatedata", "templatestyles", "hiero",
    "imagemap", "inputbox", "categorytree", "section", "indicator", "mapframe", "maplink",
    "charinsert", "includeonly", "noinclude", "onlyinclude",
})
_TABLE_TAGS = frozenset({"table", "tr", "td", "th", "caption"})
_STRAY_TAG = re.compile(
    r"<\s*/?\s*(?:" + "|".join(sorted(_PARSER_TAGS)) + r")(?![\w-])[^<>\n]*>?"
    r"|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_ESCAPED = r"'{2,}|~{3,}|-\{(?!\{)|\{{2,}|\}{2,}|\[{2,}|\]{2,}|\{?\|\}?|<"
_STRICT_CHARS = re.compile(r"[{}\[\]|=<>\n]|~~~")
_CATEGORY_PREFIX = re.compile(r"^\s*:?\s*category\s*:", re.IGNORECASE)
_BAD_CATEGORY = re.compile(r"[\x00-\x1f\x7f#<>\[\]|{}]|~~~")


def _parse(text: str) -> Wikicode:
    # Filling and checking must read wikitext alike: with the parser's defaults, as users will.
    return mwparserfromhell.parse(text)


def _parse_at(text: str, line_start: bool) -> Wikicode:
    """Parse a value as it will be read in place: lists, tables and headings need a line start."""
    if line_start:
        return _parse(text)
    code = _parse("x" + text)  # any letter: it ends the line start and joins nothing
    first = code.nodes[0]
    if not isinstance(first, Text) or not first.value.startswith("x"):
        return _parse(text)
    first.value = first.value[1:]
    code.nodes = [node for node in code.nodes if str(node)]
    return code


def _tag_name(node: Tag) -> str:
    return str(node.tag).strip().lower()


@dataclass(frozen=True)
class _Ctx:
    """Where an argument stands, which decides how its value must be escaped."""

    param: Parameter | None = None  # the template parameter a pipe or '=' would split
    link: bool = False
    extlink: bool = False
    table: bool = False
    heading: bool = False
    strict: bool = False


_STRICT = _Ctx(strict=True)


class _Filler:
    """One build: walks a copy of the tree and replaces every argument in place."""

    def __init__(self, template: str, values: Mapping[str, str], row: int | None) -> None:
        self.template, self.values, self.row = template, values, row
        self.used: list[str] = []  # fields filled from values, in order

    def fill(self, code: Wikicode, ctx: _Ctx, line_start: bool) -> None:
        out: list[Node] = []
        for node in code.nodes:
            if isinstance(node, Argument):
                before = next((str(n) for n in reversed(out) if str(n)), None)
                at_start = line_start if before is None else before.endswith("\n")
                out.extend(self._argument(node, ctx, at_start))
            else:
                self._children(node, ctx)
                out.append(node)
        code.nodes = out

    def _children(self, node: Node, ctx: _Ctx) -> None:
        if isinstance(node, Template):
            self.fill(node.name, _STRICT, False)
            for param in node.params:
                self.fill(param.name, _STRICT, False)
                self.fill(param.value, _Ctx(param=param), False)
        elif isinstance(node, Wikilink):
            self.fill(node.title, _STRICT, False)
            if node.text is not None:
                self.fill(node.text, _Ctx(link=True), False)
        elif isinstance(node, ExternalLink):
            self.fill(node.url, _STRICT, False)
            if node.title is not None:
                self.fill(node.title, replace(ctx, link=True, extlink=True), False)
        elif isinstance(node, Heading):
            self.fill(node.title, replace(ctx, heading=True), False)
        elif isinstance(node, Tag):
            for attr in node.attributes:
                self.fill(attr.name, _STRICT, False)
                if attr.value is not None:
                    self.fill(attr.value, _STRICT, False)
            if _tag_name(node) in _PARSER_TAGS:
                ctx = _Ctx()  # MediaWiki takes parser tags out before it splits templates
            elif _tag_name(node) in _TABLE_TAGS and node.wiki_markup:
                ctx = replace(ctx, table=True)
            if node.contents is not None:
                self.fill(node.contents, ctx, False)

    def _argument(self, node: Argument, ctx: _Ctx, line_start: bool) -> list[Node]:
        name = str(node.name).strip()
        value = self.values.get(name)
        if value is None or not str(value).strip():
            if node.default is None:
                raise InputError(
                    f"the template {self.template} needs a value for {{{{{{{name}}}}}}}",
                    row=self.row, field=name,
                )
            default = copy.deepcopy(node.default)
            self.fill(default, ctx, line_start)
            return list(default.nodes)
        self.used.append(name)
        text = _Escaper(ctx, name, self.row).escape(str(value), line_start)
        return list(_parse_at(text, line_start).nodes)


class _Escaper:
    """Makes one value safe for one context, or refuses it (see the module docstring)."""

    def __init__(self, ctx: _Ctx, field: str, row: int | None) -> None:
        self.ctx, self.field, self.row = ctx, field, row

    def _refuse(self, why: str) -> InputError:
        return InputError(why, row=self.row, field=self.field)

    def escape(self, value: str, line_start: bool) -> str:
        ctx = self.ctx
        if ctx.strict:
            bad = _STRICT_CHARS.search(value)
            if bad:
                shown = "a line break" if bad.group(0) == "\n" else repr(bad.group(0))
                raise self._refuse(f"the value has {shown}, but it is used where only plain "
                                   "text can stand (a name or a link target)")
            return value
        if (ctx.heading or ctx.table or ctx.link) and "\n" in value:
            where = "a heading" if ctx.heading else "a table cell" if ctx.table else "a link"
            raise self._refuse(f"the value has a line break, but it is used in {where}")
        code = _parse_at(value, line_start)
        self._code(code, True, True)
        text = str(code)
        if ctx.param is not None and not ctx.param.showkey and "=" in text:
            ctx.param.showkey = True  # else MediaWiki reads "a=b" as a parameter named a
        return text

    def _code(self, code: Wikicode, first: bool, last: bool) -> None:
        end = len(code.nodes) - 1
        for index, node in enumerate(code.nodes):
            at_first, at_last = first and index == 0, last and index == end
            if isinstance(node, Text):
                # A brace next to markup may pair with braces beyond it ("{" + "{{!}}" + "}}").
                after_markup = index > 0 and not isinstance(code.nodes[index - 1], Text)
                before_markup = index < end and not isinstance(code.nodes[index + 1], Text)
                node.value = self._text(
                    node.value, at_first or after_markup, at_last or before_markup)
            elif isinstance(node, Tag) and _tag_name(node) not in _PARSER_TAGS:
                for attr in node.attributes:
                    if attr.value is not None:
                        self._code(attr.value, False, False)
                if node.contents is not None:
                    self._code(node.contents, False, False)
            elif isinstance(node, Heading):
                self._code(node.title, False, False)
            elif isinstance(node, ExternalLink):
                bare = not node.brackets  # a bare URL's last brace touches what follows the value
                self._code(node.url, bare and at_first, bare and at_last)
                if node.title is not None:
                    self._code(node.title, False, False)

    def _text(self, text: str, first: bool, last: bool) -> str:
        if "<!--" in text:
            raise self._refuse("the value has '<!--' without '-->': "
                               "it would hide the rest of the page")
        stray = _STRAY_TAG.search(text)
        if stray:
            raise self._refuse(f"the value has {stray.group(0)!r} without its partner tag; "
                               "close it, or write '&lt;' for a literal '<'")
        pattern = _ESCAPED + (r"|\A[\[\]{}]" if first else "") + (r"|[\[\]{}]\Z" if last else "")
        if self.ctx.table:
            pattern += r"|!!|(?<=\n)!"
        if self.ctx.extlink:
            pattern += r"|\]"
        return re.sub(pattern, self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if "|" in found:
            if self.ctx.link or self.ctx.table:
                return found.replace("|", "&#124;")
            if self.ctx.param is None:
                return found
            before, _, after = found.partition("|")  # a brace next to {{!}} would make {{{!}}}
            return _nowiki(before) + "{{!}}" + _nowiki(after)
        if found.startswith("!"):
            return "&#33;" * len(found)
        if found == "<":
            return "&lt;"
        return "&#93;" if found == "]" and self.ctx.extlink else _nowiki(found)


def _nowiki(text: str) -> str:
    return f"<nowiki>{text}</nowiki>" if text else ""


def _is_structure(tag: Tag) -> bool:
    return _tag_name(tag) in _PARSER_TAGS or bool(tag.wiki_markup) and _tag_name(tag) in _TABLE_TAGS


def _pieces(code: Wikicode) -> Iterator[str | tuple]:
    """Text as strings; as tuples, what MediaWiki's preprocessor sees (templates,
    arguments, links, parser tags, comments) and wiki tables. Headings, bare URLs, bold,
    italics, lists and HTML tags count as text: values cannot break them for MediaWiki,
    and mwparserfromhell reads them differently depending on the text around them."""
    for node in code.nodes:
        if isinstance(node, (Text, HTMLEntity)):
            yield str(node)
        elif isinstance(node, ExternalLink) and not node.brackets:
            yield from _pieces(node.url)
        elif isinstance(node, Heading):
            yield "=" * node.level
            yield from _pieces(node.title)
            yield "=" * node.level
        elif isinstance(node, Tag) and not _is_structure(node):
            whole, inner = str(node), str(node.contents)
            if node.wiki_markup:  # italics, bold, list markers
                tail = node.closing_wiki_markup or ""
            else:
                tail = "" if node.implicit else f"</{node.closing_tag}>"
            if node.self_closing or not whole.endswith(inner + tail):
                yield whole
            else:
                yield whole[: len(whole) - len(inner) - len(tail)]
                yield from _pieces(node.contents)
                yield tail
        else:
            yield _node_shape(node)


def _shape(code: Wikicode | None) -> tuple | None:
    """The structure of parsed wikitext, with plain-text runs joined into strings."""
    if code is None:
        return None
    out: list = []
    for piece in _pieces(code):
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        elif piece != "":
            out.append(piece)
    return tuple(out)


def _node_shape(node: Node) -> tuple:
    if isinstance(node, Template):
        params = tuple((str(p.name), p.showkey, _shape(p.value)) for p in node.params)
        return ("template", str(node.name), params)
    if isinstance(node, Wikilink):
        return ("link", _shape(node.title), _shape(node.text))
    if isinstance(node, ExternalLink):
        return ("extlink", _shape(node.url), _shape(node.title))
    if isinstance(node, Tag):
        attrs = tuple((str(a.name), _shape(a.value)) for a in node.attributes)
        return ("tag", _tag_name(node), attrs, _shape(node.contents))
    if isinstance(node, Comment):
        return ("comment", node.contents)
    return (type(node).__name__, str(node))


def _intact(tree: Wikicode, page: str) -> bool:
    return _shape(tree) == _shape(_parse(page))


def _category_name(title: str) -> str | None:
    title = title.strip()
    if title.startswith(":") or not _CATEGORY_PREFIX.match(title):
        return None
    return normalize_title(title.split(":", 1)[1])


def _clean_categories(categories: Iterable[str], row: int | None) -> list[str]:
    names: list[str] = []
    for raw in categories:
        name = normalize_title(_CATEGORY_PREFIX.sub("", raw, count=1))
        bad = _BAD_CATEGORY.search(name)
        if bad:
            raise InputError(
                f"the category {name!r} has {bad.group(0)!r}, which MediaWiki forbids in titles",
                row=row, field="categories",
            )
        if name:
            names.append(name)
    return names


def _check_template(tree: Wikicode, name: str) -> list[Argument]:
    """Catch template mistakes once, at load time, rather than on every row."""
    arguments = tree.filter_arguments(recursive=True)
    for argument in arguments:
        if any(not isinstance(node, Text) for node in argument.name.nodes):
            raise InputError(f"the field name in {str(argument)!r} must be plain text", path=name)
    for node in tree.filter_text(recursive=True):
        unmatched = re.search(r"\{\{|\}\}|\[\[|\]\]", node.value)
        if unmatched and not any(isinstance(a, Tag) and _tag_name(a) in _PARSER_TAGS
                                 for a in tree.get_ancestors(node)):
            raise InputError(f"the template does not parse: unmatched {unmatched.group(0)!r} "
                             f"near {node.value.strip()[:40]!r}", path=name)
    if not arguments:
        raise InputError("the template has no fields; write them with three braces, "
                         "like {{{description}}}", path=name)
    return arguments


class DescriptionTemplate:
    """A description page with ``{{{field}}}`` holes, parsed once and filled per row.

    ``fields`` are all argument names; ``required`` those that every row must fill:
    used outside any default and without a default of their own.
    """

    def __init__(self, text: str, name: str = "<template>") -> None:
        self.name = name
        self._tree = _parse(text)
        arguments = _check_template(self._tree, name)
        in_defaults = {
            id(inner) for outer in arguments if outer.default is not None
            for inner in outer.default.filter_arguments(recursive=True)
        }
        self.fields = frozenset(str(a.name).strip() for a in arguments)
        self.required = frozenset(
            str(a.name).strip() for a in arguments if a.default is None and id(a) not in in_defaults
        )

    @classmethod
    def from_text(cls, text: str, name: str = "<template>") -> DescriptionTemplate:
        return cls(text, name)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DescriptionTemplate:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise InputError(f"cannot read the template: {error.strerror}", path=path) from error
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(f"the template is not UTF-8 (byte {error.start})",
                             path=path) from error
        return cls(text, os.fspath(path))

    def build(
        self, values: Mapping[str, str], categories: Iterable[str] = (), *, row: int | None = None
    ) -> str:
        """The page text for one row: fields filled, categories appended once each."""
        names = _clean_categories(categories, row)
        page, tree, used = self._render(values, names, row)
        if _intact(tree, page):
            return page
        for field in dict.fromkeys(used):  # find the culprit: keep one value, blank the rest
            trial = {k: ("x" if k in used and k != field else v) for k, v in values.items()}
            trial_page, trial_tree, _ = self._render(trial, names, row)
            if not _intact(trial_tree, trial_page):
                raise InputError("the value would break the page's markup; wrap the "
                                 "troublesome part in <nowiki>...</nowiki>", row=row, field=field)
        raise InputError(f"the values of {', '.join(dict.fromkeys(used))} together would "
                         "break the page's markup", row=row)

    def _render(
        self, values: Mapping[str, str], categories: list[str], row: int | None
    ) -> tuple[str, Wikicode, list[str]]:
        tree = copy.deepcopy(self._tree)
        filler = _Filler(self.name, values, row)
        filler.fill(tree, _Ctx(), True)
        seen = {_category_name(str(link.title)) for link in tree.filter_wikilinks(recursive=True)}
        lines = []
        for name in categories:
            if name not in seen:
                seen.add(name)
                lines.append(f"[[Category:{name}]]")
        if lines:
            page = str(tree)
            tree.append(("\n" if page and not page.endswith("\n") else "") + "\n".join(lines))
        return str(tree), tree, filler.used
