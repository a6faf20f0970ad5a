"""The bot's own command-line options, in pywikibot's ``-name:value`` style.

pywikibot's global options (``-family:``, ``-lang:``, ``-user:``, ``-dir:``,
``-simulate``, ``-log`` ...) are taken out first by
``pywikibot.handle_args``; what is left is parsed here, by the option table
(:mod:`uploadbot.option_table`): each option is declared there once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, make_dataclass
from typing import Any

from .errors import InputError
from .journal.server_url import is_server_url
from .option_table import (
    BY_ATTRIBUTE,
    MAX_FILE_SIZE,
    OPTIONS,
    PYWIKIBOT_OPTIONS,
    Option,
    parse_duration,
    parse_rate,
    parse_size,
)

__all__ = ['MAX_FILE_SIZE', 'Options', 'own_arguments', 'parse_duration', 'parse_rate', 'parse_size']

_BY_NAME = {option.name: option for option in OPTIONS}


def _declared(option: Option) -> Any:
    if option.collect == 'list' and option.default is None:
        return field(default_factory=list)
    if option.collect == 'dict':
        return field(default_factory=dict)
    return field(default=option.default)


_Declared = make_dataclass(
    '_Declared', [(option.attribute, option.type, _declared(option)) for option in OPTIONS]
)


class Options(_Declared):
    """What the operator asked for on the command line: one attribute per option of the
    table, holding its default until the option is given."""

    @classmethod
    def parse(cls, args: list[str]) -> Options:
        """Options from the arguments pywikibot left; :class:`InputError` on a bad one."""
        options = cls()
        given: dict[Option, None] = {}
        for arg in args:
            name, _, value = arg.partition(':')
            try:
                option = _option(name, value)
                options._take(option, value)
            except ValueError as error:
                raise InputError(f'option {arg!r}: {error}') from None
            given[option] = None
        shared_only = [f'{option.name}:' for option in given if option.shared_only]
        if options.journal_url is None and shared_only:
            raise InputError(
                f'{", ".join(shared_only)} only apply to a journal on a database '
                'server (-journal:mysql://... or -journal:postgresql://...)'
            )
        return options

    def _take(self, option: Option, value: str) -> None:
        if not option.value:  # a flag: the opposite of its default
            if value:
                raise ValueError('takes no value')
            setattr(self, option.attribute, not option.default)
            return
        if not value:
            raise ValueError('needs a value after the colon')
        parsed = option.parse(value)
        if option.collect == 'list':
            getattr(self, option.attribute).append(parsed)
        elif option.collect == 'dict':
            key, text = parsed
            getattr(self, option.attribute)[key] = text
        else:
            setattr(self, option.attribute, parsed)


def _option(name: str, value: str) -> Option:
    if name == '-journal':  # one name for a file and for a database server's URL
        return BY_ATTRIBUTE['journal_url' if is_server_url(value) else 'journal']
    if name not in _BY_NAME:
        raise ValueError('unknown option (see uploadbot -help)')
    return _BY_NAME[name]


def own_arguments(args: Sequence[str]) -> list[str]:
    """The arguments without pywikibot's global options, for what the command does
    before pywikibot is loaded (``-help``, ``-status``, the plan)."""
    return [arg for arg in args if not _is_pywikibots(arg.partition(':')[0])]


def _is_pywikibots(name: str) -> bool:
    if name in PYWIKIBOT_OPTIONS:
        return True
    if any(option.name == name for option in BY_ATTRIBUTE.values()):
        return False
    # pywikibot also takes ``-<config variable>:N`` for each numeric setting;
    # only such an option, rare, costs loading pywikibot's configuration here.
    from pywikibot import config

    value = getattr(config, name[1:], None)
    return isinstance(value, int) and not isinstance(value, bool)
