"""The same bot three ways: ``uploadbot``, ``python -m uploadbot`` and ``pwb uploadbot``."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.wiki

BIN = Path(sys.executable).parent


@pytest.mark.parametrize('launcher', ['console-script', 'module', 'pwb'])
def test_each_launcher_uploads_with_the_same_options(batch, wiki, name, launcher):
    path = batch.add(f'{name}.jpg')
    batch.write()
    pwb_dir = batch.sandbox.pywikibot_dir
    options = [
        f'-manifest:{batch.manifest}',
        f'-template:{batch.template}',
        f'-report:{batch.report}',
        '-chunk-size:4Mi',
    ]
    command = {
        'console-script': [str(BIN / 'uploadbot'), f'-dir:{pwb_dir}', *options],
        'module': [sys.executable, '-m', 'uploadbot', f'-dir:{pwb_dir}', *options],
        'pwb': [str(BIN / 'pwb'), f'-dir:{pwb_dir}', 'uploadbot', *options],
    }[launcher]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=batch.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Warning' not in result.stderr
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.mark.parametrize('launcher', ['console-script', 'pwb'])
def test_bad_input_exits_2_with_one_line_and_no_traceback(batch, launcher):
    pwb_dir = batch.sandbox.pywikibot_dir
    missing = batch.folder / 'missing.csv'
    command = {
        'console-script': [str(BIN / 'uploadbot'), f'-dir:{pwb_dir}'],
        'pwb': [str(BIN / 'pwb'), f'-dir:{pwb_dir}', 'uploadbot'],
    }[launcher]
    result = subprocess.run([*command, f'-manifest:{missing}'], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert 'missing.csv' in result.stderr
    assert 'Traceback' not in result.stderr


def test_unknown_option_is_named(batch):
    result = subprocess.run(
        [str(BIN / 'uploadbot'), f'-dir:{batch.sandbox.pywikibot_dir}', '-manifest:x.csv', '-chunksize:4Mi'],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "'-chunksize:4Mi'" in result.stderr and 'unknown option' in result.stderr


def test_help_lists_the_bots_own_options(sandbox):
    result = subprocess.run(
        [str(BIN / 'uploadbot'), f'-dir:{sandbox.pywikibot_dir}', '-help'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    for option in (
        '-manifest:FILE',
        '-template:FILE',
        '-policy:FILE',
        '-chunk-size:BYTES',
        '-check',
        '-status',
        '-workers:N',
    ):
        assert option in result.stdout
