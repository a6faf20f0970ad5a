"""Command-line options in pywikibot's ``-name:value`` style."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploadbot.errors import InputError
from uploadbot.options import Options, parse_duration, parse_size


@pytest.mark.parametrize('text, size', [
    ('4194304', 4 * 2 ** 20), ('4Mi', 4 * 2 ** 20), ('4MiB', 4 * 2 ** 20), ('512Ki', 512 * 1024),
    ('1Gi', 2 ** 30), ('5M', 5_000_000), ('16mib', 16 * 2 ** 20), ('1.5Mi', 3 * 2 ** 19)])
def test_sizes_take_decimal_and_binary_suffixes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize('text', ['', 'four', '4Xi', '0', '-1Mi'])
def test_sizes_that_are_not_sizes_are_refused(text):
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize('text, seconds', [('50m', 3000), ('2h', 7200), ('1h30m', 5400),
                                           ('90s', 90), ('90', 90)])
def test_durations_take_hours_minutes_seconds(text, seconds):
    assert parse_duration(text) == seconds


def test_paths_flags_and_repeatable_options_are_parsed():
    options = Options.parse(['-manifest:b.csv', '-check', '-on:exists=skip', '-on:duplicate=upload',
                             '-field:author=Jane Doe', '-workers:3', '-chunk-size:16Mi'])
    assert options.manifest == Path('b.csv') and options.check
    assert options.on == ['exists=skip', 'duplicate=upload']
    assert options.fields == {'author': 'Jane Doe'}
    assert (options.workers, options.chunk_size) == (3, 16 * 2 ** 20)


@pytest.mark.parametrize('arg', ['-chunk-size:', '-workers:0', '-check:yes', '-on:exists',
                                 '-field:=x', '-nonsense', '-max-runtime:soon'])
def test_bad_options_are_named_in_the_error(arg):
    with pytest.raises(InputError, match=repr(arg).replace('\\', '\\\\')
                       .replace('(', r'\(').replace(')', r'\)')):
        Options.parse([arg])


def test_structured_data_options_are_parsed():
    options = Options.parse(['-depicts-property:p9', '-captions:replace', '-mediainfo'])
    assert options.depicts_property == 'P9'
    assert options.replace_captions and options.mediainfo


def test_captions_are_kept_by_default():
    assert Options.parse([]).replace_captions is False
    assert Options.parse([]).depicts_property == 'P180'


@pytest.mark.parametrize('arg', ['-depicts-property:Q5', '-captions:overwrite', '-mediainfo:1'])
def test_bad_structured_data_options_are_refused(arg):
    with pytest.raises(InputError, match='option'):
        Options.parse([arg])
