"""The refusal tests come out the same under any session prefix.

Test names, and so the seeds of the files the tests send, hold the session's
random prefix (``conftest.SESSION``). This runs the wiki's refusal tests
(tests/test_refusals_sandbox.py, the banned ``.exe`` among them) in a pytest of
their own twice, with the prefix fixed to two different values through
``UPLOADBOT_TEST_SESSION``, on this session's sandbox. Both runs must pass in
full. test_files.py checks the content helpers over many prefixes without a wiki.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.wiki

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ('0000', 'ffff')


def run_refusal_tests(prefix: str, sandbox_dir: Path) -> str:
    """The closing tally of one run, e.g. ``45 passed``."""
    environment = dict(os.environ, UPLOADBOT_TEST_SESSION=prefix, UPLOADBOT_TEST_SANDBOX=str(sandbox_dir))
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', 'tests/test_refusals_sandbox.py', '-p', 'no:cacheprovider'],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert f'session prefix: {prefix} ' in result.stdout
    return re.findall(r'^=+ (.*) in [\d.]+s', result.stdout, re.MULTILINE)[-1]


def test_the_refusal_tests_pass_alike_under_two_session_prefixes(sandbox):
    sandbox_dir = Path(sandbox.pywikibot_dir).parent
    tallies = [run_refusal_tests(prefix, sandbox_dir) for prefix in PREFIXES]
    passed = [re.match(r'(\d+) passed', tally) for tally in tallies]
    assert all(passed) and passed[0].group(1) == passed[1].group(1), tallies
    assert not re.search(r'failed|skipped|error|deselected', ' '.join(tallies)), tallies
