"""What to do when MediaWiki warns at the commit of a stashed upload.

MediaWiki 1.39 answers the final commit out of the stash with warning codes;
the operator decides in advance, per code, what the bot does about each one.
Rules come from four layers, the later overriding the earlier: the defaults
below, a YAML file (``-policy:FILE``), the command line (``-on:CODE=ACTION``)
and a manifest row's ``policy`` column (``exists=new-version; duplicate=upload``).
A bad rule in any layer is refused before anything is uploaded.

Default policy:

| Warning | Default | Why |
|---|---|---|
| `badfilename` | rename | the wiki had to change the name; a free valid one beats losing it |
| `filetype-unwanted-type` | skip | the wiki discourages this file type |
| `large-file` | upload | only a hint: the file is over the recommended size but within the limit |
| `empty-file` | skip | an empty file is almost always a mistake |
| `exists` | skip | never overwrite a file nobody asked us to overwrite |
| `page-exists` | skip | a description page already claims this name |
| `exists-normalized` | skip | a file differing only in extension case is probably this file |
| `thumb` | skip | an existing file looks like the original of this "thumbnail" |
| `thumb-name` | skip | the name looks like a thumbnail's, which confuses readers |
| `bad-prefix` | skip | the name starts with a camera's default prefix (e.g. `DSC_`) |
| `nochange` | skip | the current version already has these bytes (reported "unchanged") |
| `duplicateversions` | skip | an older version has these bytes; uploading would silently revert |
| `was-deleted` | hold | a file of this name was deleted; a person should decide on recreating it |
| `duplicate` | skip | the same bytes are already on the wiki under another name |
| `duplicate-archive` | skip | the same bytes were deleted before; do not bring them back unasked |
| `default` | skip | a warning the bot does not know gets the cautious choice |

Which actions a code accepts (anything else is refused when the rule is read):

* `upload`, `skip`, `hold` and `abort` suit every code and `default`.
* `rename` only where the *name* is the trouble: the existence warnings,
  `badfilename` and `was-deleted`. Renaming does not help against a content
  warning (`duplicate`, `nochange`, ...): the bytes would land twice.
* `new-version` and `new-version-any` only where a file already sits under the
  target name: `exists`, and `nochange` and `duplicateversions`, which always
  come with `exists`. The other existence warnings name a *different* file
  (or only a page), so nothing would be overwritten: use `upload` there.
* `default` also covers codes nobody has seen yet, so it takes neither
  `rename` nor a new version.

When several warnings arrive together the strictest action wins:
abort > hold > skip > rename > new-version > new-version-any > upload.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:  # PyYAML is imported when a policy file is read: most runs have none
    import yaml

EXISTENCE_WARNINGS: frozenset[str] = frozenset(
    {'exists', 'page-exists', 'exists-normalized', 'thumb', 'thumb-name', 'bad-prefix'}
)

WARNING_CODES: tuple[str, ...] = (
    'badfilename',
    'filetype-unwanted-type',
    'large-file',
    'empty-file',
    'exists',
    'page-exists',
    'exists-normalized',
    'thumb',
    'thumb-name',
    'bad-prefix',
    'nochange',
    'duplicateversions',
    'was-deleted',
    'duplicate',
    'duplicate-archive',
)

#: Strictest first: with several warnings, the action earliest here wins.
ACTIONS: tuple[str, ...] = ('abort', 'hold', 'skip', 'rename', 'new-version', 'new-version-any', 'upload')

DEFAULT_RULES: Mapping[str, str] = MappingProxyType(
    {
        'badfilename': 'rename',
        'filetype-unwanted-type': 'skip',
        'large-file': 'upload',
        'empty-file': 'skip',
        **{code: 'skip' for code in sorted(EXISTENCE_WARNINGS)},
        'nochange': 'skip',
        'duplicateversions': 'skip',
        'was-deleted': 'hold',
        'duplicate': 'skip',
        'duplicate-archive': 'skip',
        'default': 'skip',
    }
)

RENAMABLE: frozenset[str] = EXISTENCE_WARNINGS | {'badfilename', 'was-deleted'}
VERSIONABLE: frozenset[str] = frozenset({'exists', 'nochange', 'duplicateversions'})
_KEYS = frozenset(WARNING_CODES) | {'default'}


def rank(action: str) -> int:
    """Strictness of an action, 0 for the strictest, so decisions can compare them."""
    return ACTIONS.index(action)


class PolicyError(InputError):
    """A policy rule that cannot be trusted; raised before anything is uploaded."""


@dataclass(frozen=True)
class Decision:
    """What to do about one commit's warnings, and which warning made it so."""

    action: str
    code: str | None
    codes: tuple[str, ...]


def _problem(code: str, action: str) -> str | None:
    """Why ``code: action`` is not a rule, or None when it is one."""
    if code not in _KEYS:
        return f'unknown warning code {code!r}; known codes: {", ".join(WARNING_CODES)}, default'
    if action not in ACTIONS:
        return f'unknown action {action!r} for {code!r}; actions: {", ".join(ACTIONS)}'
    if code == 'default' and action in ('rename', 'new-version', 'new-version-any'):
        return (
            f"{action!r} makes no sense for 'default': it also covers warnings nobody "
            'has seen yet, so it takes only upload, skip, hold or abort'
        )
    if action == 'rename' and code not in RENAMABLE:
        return (
            f"'rename' makes no sense for {code!r}: a new name only helps where the "
            f'name is the trouble ({", ".join(sorted(RENAMABLE))})'
        )
    if action.startswith('new-version') and code not in VERSIONABLE:
        return (
            f'{action!r} makes no sense for {code!r}: there is no file under the '
            f'target name to add a version to (only {", ".join(sorted(VERSIONABLE))}; '
            "use 'upload' to publish anyway)"
        )
    return None


def _check(
    rules: Mapping[str, str], *, prefix: str = '', row: int | None = None, field: str | None = None
) -> None:
    """Refuse a whole layer on its first bad rule, before any of it takes effect."""
    for code, action in rules.items():
        problem = _problem(code, action)
        if problem:
            raise PolicyError(prefix + problem, row=row, field=field)


def parse_rules(text: str) -> dict[str, str]:
    """Split ``code=action; code=action`` so a spreadsheet cell can carry rules."""
    rules: dict[str, str] = {}
    for item in text.split(';'):
        if not item.strip():
            continue
        code, equals, action = (part.strip() for part in item.partition('='))
        if not equals or not code or not action:
            raise PolicyError(f'{item.strip()!r} is not CODE=ACTION')
        if code in rules:
            raise PolicyError(f'{code!r} is given twice')
        rules[code] = action
    return rules


class Policy:
    """The operator's answer to each warning code; immutable, layers make new ones."""

    def __init__(self, rules: Mapping[str, str]) -> None:
        self._rules = MappingProxyType(dict(rules))

    def __repr__(self) -> str:
        return f'Policy({dict(self._rules)!r})'

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and self._rules == other._rules

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._rules.items())))

    @property
    def rules(self) -> dict[str, str]:
        """Every rule, code to action: enough to make the same policy again (``Policy(rules)``)."""
        return dict(self._rules)

    @classmethod
    def defaults(cls) -> Policy:
        """The policy an operator gets without asking for anything."""
        return cls(DEFAULT_RULES)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """The defaults overlaid with a YAML file, refused whole if any line is wrong."""
        return cls.defaults()._overlay(_read_file(path))

    def overlay(self, rules: Mapping[str, str], *, source: str) -> Policy:
        """A new policy with ``rules`` on top; ``source`` says where a bad rule came from."""
        _check(rules, prefix=f'{source}: ')
        return self._overlay(rules)

    def with_options(self, options: Iterable[str]) -> Policy:
        """Apply ``-on:CODE=ACTION`` options in order, so a later one wins."""
        policy = self
        for option in options:
            text = option.removeprefix('-on:')
            source = f'option {"-on:" + text!r}'
            code, equals, action = (part.strip() for part in text.partition('='))
            if not equals or not code or not action:
                raise PolicyError(f'{source}: expected -on:CODE=ACTION')
            policy = policy.overlay({code: action}, source=source)
        return policy

    def for_row(self, text: str, *, row: int | None = None) -> Policy:
        """A row's own policy column on top of the batch policy."""
        if not text.strip():
            return self
        try:
            rules = parse_rules(text)
        except PolicyError as error:
            raise PolicyError(error.message, row=row, field='policy') from None
        _check(rules, row=row, field='policy')
        return self._overlay(rules)

    def action_for(self, code: str) -> str:
        """The action for one code; codes nobody configured follow ``default``."""
        return self._rules.get(code, self._rules['default'])

    def decide(self, warnings: Iterable[str]) -> Decision:
        """One action for all of a commit's warnings (codes, or the API's code→detail mapping).

        The strictest action wins. On a tie a specific warning names the decision
        over an existence warning, so ``exists`` + ``nochange`` reads as "unchanged".
        """
        codes = tuple(dict.fromkeys(warnings))
        if not codes:
            return Decision('upload', None, ())

        def weight(code: str) -> tuple[int, bool]:
            return rank(self.action_for(code)), code in EXISTENCE_WARNINGS

        driver = min(codes, key=weight)  # min keeps the first of equals
        return Decision(self.action_for(driver), driver, codes)

    def describe(self) -> list[tuple[str, str]]:
        """The effective table, every known code then ``default``, for the operator to check."""
        return [(code, self.action_for(code)) for code in (*WARNING_CODES, 'default')]

    def _overlay(self, rules: Mapping[str, str]) -> Policy:
        return Policy({**self._rules, **rules})


_Refuse = Callable[['yaml.Node', 'str | None', str], PolicyError]


def _read_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Rules from a policy file, with line numbers in every complaint since people edit these."""
    import yaml

    try:
        with open(path, encoding='utf-8') as stream:
            root = yaml.compose(stream, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f'line {mark.line + 1}: ' if mark else ''
        reason = ' '.join(filter(None, (error.context, error.problem)))
        raise PolicyError(f'{line}not valid YAML: {reason}', path=path) from None
    except yaml.YAMLError as error:
        raise PolicyError(f'not valid YAML: {error}', path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f'cannot read the policy file: {error}', path=path) from None

    def refuse(node: yaml.Node, key: str | None, problem: str) -> PolicyError:
        where = f'line {node.start_mark.line + 1}' + (f', key {key!r}' if key else '')
        return PolicyError(f'{where}: {problem}', path=path)

    if root is None:
        raise PolicyError("line 1: the file is empty; expected a mapping with 'warnings:'", path=path)
    rules: dict[str, str] = {}
    for key, value in _pairs(root, None, refuse):
        if key.value == 'warnings':
            for code, action in _pairs(value, 'warnings', refuse):
                if code.value == 'default':
                    raise refuse(code, 'default', "'default' belongs at the top level, not under 'warnings:'")
                rules[code.value] = _action(code, action, refuse)
        elif key.value == 'default':
            rules['default'] = _action(key, value, refuse)
        else:
            raise refuse(key, key.value, "unknown top-level key; expected 'warnings' or 'default'")
    return rules


def _pairs(node: yaml.Node, name: str | None, refuse: _Refuse) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """A mapping node's items, refusing anything that is not a mapping of plain keys."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        wanted = (
            f'{name!r} must be a mapping of warning code to action'
            if name
            else "expected a mapping with 'warnings:' and optionally 'default:'"
        )
        raise refuse(node, name, wanted)
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise refuse(key, name, 'keys must be plain words')
        if key.value in seen:
            raise refuse(key, key.value, f'given twice (also on line {seen[key.value]})')
        seen[key.value] = key.start_mark.line + 1
    return node.value


def _action(key: yaml.ScalarNode, value: yaml.Node, refuse: _Refuse) -> str:
    """The action a key names, checked against what that code accepts."""
    import yaml

    if not isinstance(value, yaml.ScalarNode):
        raise refuse(value, key.value, f'expected one action, one of {", ".join(ACTIONS)}')
    problem = _problem(key.value, value.value)
    if problem and key.value not in _KEYS:
        raise refuse(key, key.value, problem)
    if problem:
        raise refuse(value, key.value, problem)
    return value.value
