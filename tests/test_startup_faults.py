"""Site set-up and login survive the faults uploads survive, from the very first request.

The faults hit pywikibot's own requests (siteinfo, paraminfo, tokens,
login), which the bot's transfer does not send: they are covered by the
adapter of :mod:`uploadbot.api.session`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .proxy import FaultProxy, pywikibot_dir_through

pytestmark = pytest.mark.wiki


@pytest.fixture
def proxy(sandbox):
    proxy = FaultProxy(sandbox.port)
    yield proxy
    proxy.close()


def run_through(batch, proxy, tmp_path, *, family_files: bool = False):
    through = pywikibot_dir_through(
        proxy, Path(batch.sandbox.pywikibot_dir), tmp_path / 'pwb', socket_timeout=2
    )
    if family_files:  # an AutoFamily, made by pywikibot from the API's address alone
        with open(through / 'user-config.py', 'a') as config:
            config.write(
                f"family_files['auto'] = 'http://127.0.0.1:{proxy.port}/api.php'\n"
                "family = 'auto'\nusernames['auto']['en'] = "
                f'{batch.sandbox.bot!r}\n'
            )
    return batch.run(pywikibot_dir=through)


def first(count: int):
    """Matches the first ``count`` requests, whatever they are."""
    return dict(when=lambda request: True, times=count)


@pytest.mark.parametrize(
    'fault',
    [
        dict(kind='status', status=503),
        dict(kind='status', status=502),
        dict(kind='retry-after', status=429, retry_after=1),
        dict(kind='reset-before'),
        dict(kind='string-error'),
        dict(kind='stall', delay=3),
    ],
    ids=['503 html', '502 html', '429 retry-after', 'reset', 'json string error', 'stall'],
)
def test_the_first_requests_failing_do_not_end_the_run(batch, wiki, proxy, tmp_path, name, fault):
    batch.add(f'{name}.jpg')
    injected = proxy.add(**fault, **first(3))
    result = run_through(batch, proxy, tmp_path)
    assert injected.hit == 3
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name}.jpg') is not None


def test_a_wiki_that_stays_down_ends_the_run_with_one_line_naming_the_cause(batch, proxy, tmp_path, name):
    batch.add(f'{name}.jpg')
    proxy.add('status', status=503, **first(10_000))
    result = run_through(batch, proxy, tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith('ERROR')]
    assert len(errors) == 1, result.stderr
    assert 'cannot log in' in errors[0] and 'HTTP 503 Service Unavailable' in errors[0]
    assert 'Traceback' not in result.stderr
    assert not batch.report.exists() or name not in batch.report.read_text()


def test_an_autofamily_wiki_that_stays_down_is_not_called_an_invalid_family(batch, proxy, tmp_path, name):
    batch.add(f'{name}.jpg')
    proxy.add('retry-after', status=429, retry_after=1, **first(10_000))
    result = run_through(batch, proxy, tmp_path, family_files=True)
    assert result.returncode == 1
    assert 'HTTP 429' in result.stderr
    assert 'AutoFamily' not in result.stderr
    assert 'Traceback' not in result.stderr


def test_a_pywikibot_directory_that_is_not_there_ends_the_run_with_one_line(batch, name, tmp_path):
    batch.add(f'{name}.jpg')
    result = batch.run(pywikibot_dir=tmp_path / 'not there')
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"ERROR: pywikibot could not be set up: RuntimeError: Directory '{tmp_path / 'not there'}' "
        'does not exist.'
    )
    assert 'Traceback' not in result.stderr


def test_a_pywikibot_directory_without_user_config_ends_the_run_with_one_line(batch, wiki, name, tmp_path):
    """pywikibot would go on with its defaults (Wikipedia, no account) and retry for minutes."""
    batch.add(f'{name}.jpg')
    empty = tmp_path / 'pwb'
    empty.mkdir()
    result = batch.run(pywikibot_dir=empty, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"ERROR: pywikibot's directory {empty} has no user-config.py: it names the wiki and the "
        'account (make one with "pwb generate_user_files", or give the directory that has it '
        'with -dir: or PYWIKIBOT_DIR)'
    )
    assert 'Traceback' not in result.stderr
    assert list(empty.iterdir()) == []  # pywikibot made nothing there: it was not set up
    assert wiki.file_info(f'{name}.jpg') is None
