"""Escaping of row values by context, and the check that the built page kept its structure.

This exists because values come from users and go into wikitext, where a stray brace
or pipe would silently reshape the description page: escape() makes one value safe
for the place it fills (or refuses it), intact() re-parses the built page.

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

import re
from collections.abc import Iterator
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.nodes import (
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.nodes.extras import Parameter
from mwparserfromhell.wikicode import Wikicode

from uploadbot.errors import InputError

# Tags whose content MediaWiki's preprocessor takes out whole (core and common extensions).
PARSER_TAGS = frozenset(
    {
        'nowiki',
        'pre',
        'ref',
        'references',
        'gallery',
        'math',
        'chem',
        'ce',
        'syntaxhighlight',
        'source',
        'poem',
        'timeline',
        'graph',
        'score',
        'templatedata',
        'templatestyles',
        'hiero',
        'imagemap',
        'inputbox',
        'categorytree',
        'section',
        'indicator',
        'mapframe',
        'maplink',
        'charinsert',
        'includeonly',
        'noinclude',
        'onlyinclude',
    }
)
TABLE_TAGS = frozenset({'table', 'tr', 'td', 'th', 'caption'})
_STRAY_TAG = re.compile(
    r'<\s*/?\s*(?:' + '|'.join(sorted(PARSER_TAGS)) + r')(?![\w-])[^<>\n]*>?'
    r'|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>',
    re.IGNORECASE,
)
_ESCAPED = r"'{2,}|~{3,}|-\{(?!\{)|\{{2,}|\}{2,}|\[{2,}|\]{2,}|\{?\|\}?|<"
_STRICT_CHARS = re.compile(r'[{}\[\]|=<>\n]|~~~')


def parse(text: str) -> Wikicode:
    # Filling and checking must read wikitext alike: with the parser's defaults, as users will.
    return mwparserfromhell.parse(text)


def parse_at(text: str, line_start: bool) -> Wikicode:
    """Parse a value as it will be read in place: lists, tables and headings need a line start."""
    if line_start:
        return parse(text)
    code = parse('x' + text)  # any letter: it ends the line start and joins nothing
    first = code.nodes[0]
    if not isinstance(first, Text) or not first.value.startswith('x'):
        return parse(text)
    first.value = first.value[1:]
    code.nodes = [node for node in code.nodes if str(node)]
    return code


def tag_name(node: Tag) -> str:
    return str(node.tag).strip().lower()


@dataclass(frozen=True)
class Context:
    """Where an argument stands, which decides how its value must be escaped."""

    param: Parameter | None = None  # the template parameter a pipe or '=' would split
    link: bool = False
    extlink: bool = False
    table: bool = False
    heading: bool = False
    strict: bool = False


STRICT = Context(strict=True)


def escape(value: str, ctx: Context, line_start: bool, *, field: str, row: int | None) -> str:
    """The value as wikitext that keeps its meaning where ctx says it stands."""
    return _Escaper(ctx, field, row).escape(value, line_start)


class _Escaper:
    """Makes one value safe for one context, or refuses it (see the module docstring)."""

    def __init__(self, ctx: Context, field: str, row: int | None) -> None:
        self.ctx, self.field, self.row = ctx, field, row

    def _refuse(self, why: str) -> InputError:
        return InputError(why, row=self.row, field=self.field)

    def escape(self, value: str, line_start: bool) -> str:
        ctx = self.ctx
        if ctx.strict:
            bad = _STRICT_CHARS.search(value)
            if bad:
                shown = 'a line break' if bad.group(0) == '\n' else repr(bad.group(0))
                raise self._refuse(
                    f'the value has {shown}, but it is used where only plain '
                    'text can stand (a name or a link target)'
                )
            return value
        if (ctx.heading or ctx.table or ctx.link) and '\n' in value:
            where = 'a heading' if ctx.heading else 'a table cell' if ctx.table else 'a link'
            raise self._refuse(f'the value has a line break, but it is used in {where}')
        code = parse_at(value, line_start)
        self._code(code, True, True)
        text = str(code)
        if ctx.param is not None and not ctx.param.showkey and '=' in text:
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
                node.value = self._text(node.value, at_first or after_markup, at_last or before_markup)
            elif isinstance(node, Tag) and tag_name(node) not in PARSER_TAGS:
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
        if '<!--' in text:
            raise self._refuse("the value has '<!--' without '-->': it would hide the rest of the page")
        stray = _STRAY_TAG.search(text)
        if stray:
            raise self._refuse(
                f'the value has {stray.group(0)!r} without its partner tag; '
                "close it, or write '&lt;' for a literal '<'"
            )
        pattern = _ESCAPED + (r'|\A[\[\]{}]' if first else '') + (r'|[\[\]{}]\Z' if last else '')
        if self.ctx.table:
            pattern += r'|!!|(?<=\n)!'
        if self.ctx.extlink:
            pattern += r'|\]'
        return re.sub(pattern, self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if '|' in found:
            if self.ctx.link or self.ctx.table:
                return found.replace('|', '&#124;')
            if self.ctx.param is None:
                return found
            before, _, after = found.partition('|')  # a brace next to {{!}} would make {{{!}}}
            return _nowiki(before) + '{{!}}' + _nowiki(after)
        if found.startswith('!'):
            return '&#33;' * len(found)
        if found == '<':
            return '&lt;'
        return '&#93;' if found == ']' and self.ctx.extlink else _nowiki(found)


def _nowiki(text: str) -> str:
    return f'<nowiki>{text}</nowiki>' if text else ''


def _is_structure(tag: Tag) -> bool:
    return tag_name(tag) in PARSER_TAGS or bool(tag.wiki_markup) and tag_name(tag) in TABLE_TAGS


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
            yield '=' * node.level
            yield from _pieces(node.title)
            yield '=' * node.level
        elif isinstance(node, Tag) and not _is_structure(node):
            whole, inner = str(node), str(node.contents)
            if node.wiki_markup:  # italics, bold, list markers
                tail = node.closing_wiki_markup or ''
            else:
                tail = '' if node.implicit else f'</{node.closing_tag}>'
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
        elif piece != '':
            out.append(piece)
    return tuple(out)


def _node_shape(node: Node) -> tuple:
    if isinstance(node, Template):
        params = tuple((str(p.name), p.showkey, _shape(p.value)) for p in node.params)
        return ('template', str(node.name), params)
    if isinstance(node, Wikilink):
        return ('link', _shape(node.title), _shape(node.text))
    if isinstance(node, ExternalLink):
        return ('extlink', _shape(node.url), _shape(node.title))
    if isinstance(node, Tag):
        attrs = tuple((str(a.name), _shape(a.value)) for a in node.attributes)
        return ('tag', tag_name(node), attrs, _shape(node.contents))
    if isinstance(node, Comment):
        return ('comment', node.contents)
    return (type(node).__name__, str(node))


def intact(tree: Wikicode, page: str) -> bool:
    """Whether the built page parses to the same structure as the filled tree."""
    return _shape(tree) == _shape(parse(page))
