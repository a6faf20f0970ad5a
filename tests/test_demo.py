"""`make demo` as a newcomer meets it: every check on, no warning, one tally per run.

The demo's command line is taken from the Makefile (``make -n``) and run, as
``make demo`` runs it, on a fresh copy of the examples against a fresh
sandbox (the example files have fixed names): once, then again.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import second_sandbox

ROOT = Path(__file__).resolve().parent.parent
#: What pywikibot's BaseBot.exit() prints after a run: its counters and timings.
PYWIKIBOT_TALLY = re.compile(
    r'^\d+ \w+ operations?$|operation time|^Execution time|'
    r'^Script terminated',
    re.MULTILINE,
)


def demo_command(sandbox_dir: Path, *, preview: bool = False) -> list[str]:
    """The uploadbot command of ``make demo`` (the run, or its ``-check -preview``) for a
    sandbox in ``sandbox_dir``."""
    listed = subprocess.run(
        ['make', '-n', '--no-print-directory', '-C', str(ROOT), 'demo', f'SANDBOX={sandbox_dir}'],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.replace('\\\n', ' ')
    line = next(
        line
        for line in listed.splitlines()
        if re.search(r'/uploadbot -dir:', line) and bool(re.search(r'\s-check\s', line)) == preview
    )
    program, *arguments = shlex.split(line)
    assert Path(program).name == 'uploadbot'
    return [sys.executable, '-m', 'uploadbot', *arguments]


def test_the_demo_turns_no_check_off(tmp_path):
    for preview in (False, True):
        assert [
            argument for argument in demo_command(tmp_path, preview=preview) if argument.startswith('-no-')
        ] == []


@pytest.fixture(scope='module')
def demo_wiki(tmp_path_factory):
    """A fresh sandbox, as ``make demo`` starts on a fresh clone."""
    yield from second_sandbox(tmp_path_factory, 'demo')


@pytest.fixture(scope='module')
def demo_runs(tmp_path_factory, demo_wiki) -> list[str]:
    """The demo on a fresh copy of the examples: the outputs of the first run and the re-run,
    then of the -check -preview that comes first, and the folder."""
    folder = tmp_path_factory.mktemp('demo-clone')
    (folder / 'examples').mkdir()
    for name in ('batch.csv', 'description.wiki', 'make_examples.py'):
        shutil.copy(ROOT / 'examples' / name, folder / 'examples' / name)
    subprocess.run(
        [sys.executable, str(folder / 'examples' / 'make_examples.py')],
        check=True,
        capture_output=True,
        timeout=300,
    )
    sandbox_dir = Path(demo_wiki.pywikibot_dir).parent
    outputs = []
    for command in [demo_command(sandbox_dir, preview=True), *[demo_command(sandbox_dir)] * 2]:
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
        outputs.append(result.stdout + result.stderr)
        assert result.returncode == 0, outputs[-1]
    return outputs[1:] + [outputs[0], str(folder)]


@pytest.mark.wiki
def test_the_demo_uploads_the_examples_with_no_warning_and_one_summary(demo_runs):
    output = demo_runs[0]
    assert 'WARNING' not in output and 'ERROR' not in output, output
    summaries = [line for line in output.splitlines() if line.startswith('summary:')]
    assert len(summaries) == 1 and summaries[0].startswith('summary: 5 rows: 5 uploaded; '), output
    assert PYWIKIBOT_TALLY.findall(output) == [], output


@pytest.mark.wiki
def test_the_demo_again_sends_nothing_and_says_so_in_one_summary(demo_runs):
    output = demo_runs[1]
    assert 'WARNING' not in output and 'ERROR' not in output, output
    assert output.count('already done by an earlier run') == 5, output
    summaries = [line for line in output.splitlines() if line.startswith('summary:')]
    assert len(summaries) == 1, output
    assert summaries[0].startswith('summary: 5 rows: 5 uploaded; 0 B sent in 0 requests'), output
    assert PYWIKIBOT_TALLY.findall(output) == [], output


@pytest.mark.wiki
def test_the_demo_writes_its_preview_and_report_page_with_no_warning(demo_runs):
    preview_output, folder = demo_runs[2], Path(demo_runs[3])
    assert 'WARNING' not in preview_output and 'ERROR' not in preview_output, preview_output
    assert (folder / 'examples' / 'demo.preview' / 'index.html').is_file()
    assert len(list((folder / 'examples' / 'demo.preview').glob('row-*.html'))) == 5
    report = (folder / 'examples' / 'demo.report.html').read_text(encoding='utf-8')
    assert report.count('class="ok"') == 5
