"""Command-line options in pywikibot's ``-name:value`` style."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from uploadbot import option_table
from uploadbot.api.download import Downloader
from uploadbot.api.transfer import QUERY_TIMEOUT, WRITE_TIMEOUT
from uploadbot.describe.mediainfo_cells import DEPICTS
from uploadbot.errors import InputError
from uploadbot.journal.lease import LEASE_SECONDS
from uploadbot.option_table import OPTIONS, parse_duration, parse_size
from uploadbot.options import Options
from uploadbot.run.bot import UploadBot
from uploadbot.upload.task import TaskSettings


@pytest.mark.parametrize(
    'text, size',
    [
        ('4194304', 4 * 2**20),
        ('4Mi', 4 * 2**20),
        ('4MiB', 4 * 2**20),
        ('512Ki', 512 * 1024),
        ('1Gi', 2**30),
        ('5M', 5_000_000),
        ('16mib', 16 * 2**20),
        ('1.5Mi', 3 * 2**19),
    ],
)
def test_sizes_take_decimal_and_binary_suffixes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize('text', ['', 'four', '4Xi', '0', '-1Mi'])
def test_sizes_that_are_not_sizes_are_refused(text):
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(
    'text, seconds', [('50m', 3000), ('2h', 7200), ('1h30m', 5400), ('90s', 90), ('90', 90)]
)
def test_durations_take_hours_minutes_seconds(text, seconds):
    assert parse_duration(text) == seconds


def test_paths_flags_and_repeatable_options_are_parsed():
    options = Options.parse(
        [
            '-manifest:b.csv',
            '-check',
            '-on:exists=skip',
            '-on:duplicate=upload',
            '-field:author=Jane Doe',
            '-workers:3',
            '-chunk-size:16Mi',
        ]
    )
    assert options.manifest == Path('b.csv') and options.check
    assert options.on == ['exists=skip', 'duplicate=upload']
    assert options.fields == {'author': 'Jane Doe'}
    assert (options.workers, options.chunk_size) == (3, 16 * 2**20)


@pytest.mark.parametrize(
    'arg',
    ['-chunk-size:', '-workers:0', '-check:yes', '-on:exists', '-field:=x', '-nonsense', '-max-runtime:soon'],
)
def test_bad_options_are_named_in_the_error(arg):
    with pytest.raises(
        InputError, match=repr(arg).replace('\\', '\\\\').replace('(', r'\(').replace(')', r'\)')
    ):
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


def test_the_readmes_options_table_is_the_one_the_option_table_makes():
    readme = (Path(__file__).resolve().parent.parent / 'README.md').read_text(encoding='utf-8')
    start = readme.index('| option | meaning | default | applies to |')
    assert readme[start : readme.index('\n\n', start) + 1] == option_table.markdown(), (
        'paste python -c "from uploadbot.option_table import markdown; print(markdown())"'
    )


def test_help_lists_every_option_with_its_default():
    text = '\n'.join(option_table.help_lines())
    for option in OPTIONS:
        assert option.usage in text
    assert '-chunk-size:BYTES   chunk size for files larger than one chunk' in text
    assert '(default: 4Mi)' in text and '`' not in text


@pytest.mark.parametrize(
    'option',
    [option for option in OPTIONS if option.value and option.default is not None],
    ids=lambda option: option.name,
)
def test_each_default_the_help_shows_is_the_default_the_parser_gives(option):
    assert option.parse(option.shown.strip('`')) == option.default
    assert getattr(Options.parse([]), option.attribute) == option.default


def test_each_option_sets_its_own_attribute():
    attributes = [option.attribute for option in OPTIONS]
    assert len(set(attributes)) == len(attributes)
    assert set(attributes) == set(vars(Options()))


def test_all_or_nothing_is_declared_and_off_by_default():
    assert Options.parse([]).all_or_nothing is False
    assert Options.parse(['-all-or-nothing']).all_or_nothing is True


def test_a_server_journal_url_and_a_journal_file_share_the_name_journal():
    assert Options.parse(['-journal:mysql://db/uploads']).journal_url == 'mysql://db/uploads'
    assert Options.parse(['-journal:batch.sqlite']).journal == Path('batch.sqlite')


def test_options_of_a_server_journal_are_refused_without_one():
    with pytest.raises(InputError, match='-batch:, -lease: only apply to a journal on a database server'):
        Options.parse(['-batch:b', '-lease:5m', '-batch:c'])
    assert Options.parse(['-journal:mysql://db/u', '-lease:5m']).lease == 300


def test_the_python_apis_defaults_are_the_options_defaults():
    assert TaskSettings(own_user='Bot').chunk_size == Options().chunk_size
    on_site = inspect.signature(UploadBot.on_site).parameters
    assert on_site['chunk_size'].default == Options().chunk_size
    assert inspect.signature(UploadBot).parameters['workers'].default == Options().workers
    assert (QUERY_TIMEOUT[1], WRITE_TIMEOUT[1]) == (Options().query_timeout, Options().upload_timeout)
    assert Downloader(limit=1).timeout[1] == Options().query_timeout
    assert Options().lease == LEASE_SECONDS
    assert Options().depicts_property == DEPICTS


def test_pywikibots_global_options_are_the_ones_it_documents():
    """The commands answered without pywikibot pass over its options by this list."""
    from pywikibot.bot import _GLOBAL_HELP

    documented = set(re.findall(r'^(-[a-z_]+)', _GLOBAL_HELP, re.MULTILINE))
    # -lang: pywikibot 11 renamed it -code, and still takes it, undocumented
    assert documented | {'-lang'} == option_table.PYWIKIBOT_OPTIONS
