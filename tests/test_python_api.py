"""The Python API: the README's pywikibot script runs as written, against the sandbox wiki."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import uploadbot

from .files import png_bytes

README = Path(__file__).resolve().parent.parent / 'README.md'


def readme_script() -> str:
    """The script the README shows under "From a pywikibot script"."""
    text = README.read_text(encoding='utf-8')
    match = re.search(r'<!-- the test suite runs this script[^>]*-->\n```python\n(.*?)```', text, re.DOTALL)
    assert match, 'the README has no script marked for the test suite'
    return match.group(1)


def test_every_name_in_all_is_importable_from_the_package():
    assert {name for name in uploadbot.__all__ if getattr(uploadbot, name) is None} == set()


def test_importing_the_package_does_not_import_pywikibot():
    code = 'import sys, uploadbot; print("pywikibot" in sys.modules)'
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == 'False'


@pytest.fixture
def plots(admin) -> None:
    """The category the README's script files its plots in (a script gets the category
    check as the command line does)."""
    admin.edit('Category:Plots', 'Plots uploaded by scripts.')


@pytest.mark.wiki
def test_the_readme_script_uploads_a_folder_and_a_second_run_sends_nothing(
    tmp_path, sandbox, wiki, name, plots
):
    script = tmp_path / 'upload_plots.py'
    script.write_text(readme_script(), encoding='utf-8')
    folder = tmp_path / 'plots'
    folder.mkdir()
    stems = [f'{name} a', f'{name} b']
    for stem in stems:
        (folder / f'{stem}.png').write_bytes(png_bytes((name, stem)))
    command = [sys.executable, str(script), f'-dir:{sandbox.pywikibot_dir}', str(folder)]

    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    for stem in stems:
        content = (folder / f'{stem}.png').read_bytes()
        assert wiki.file_info(f'Plot {stem}.png')['sha1'] == hashlib.sha1(content).hexdigest()
        page = wiki.page_text(f'File:Plot {stem}.png')
        assert f'description=Plot {stem}' in page and '[[Category:Plots]]' in page

    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stderr.count('already done by an earlier run') == 2
    assert [len(wiki.file_versions(f'Plot {stem}.png')) for stem in stems] == [1, 1]
    with sqlite3.connect(folder / 'plots.journal.sqlite') as db:
        assert db.execute('SELECT state, COUNT(*) FROM rows GROUP BY state').fetchall() == [('uploaded', 2)]


@pytest.mark.wiki
def test_a_script_tags_its_uploads_and_sets_their_pace(tmp_path, sandbox, wiki, admin, name, plots):
    tag = f'uploadbot-{name.split()[0]}-script'
    admin.create_tag(tag)
    script = tmp_path / 'upload_plots.py'
    call = 'uploadbot.UploadBot.on_site(site, items, journal=journal)'
    assert call in readme_script()
    script.write_text(
        readme_script().replace(
            call, call.replace('journal=journal', f'journal=journal, tags=[{tag!r}], max_rate=2.0')
        ),
        encoding='utf-8',
    )
    folder = tmp_path / 'plots'
    folder.mkdir()
    for stem in ('a', 'b'):
        (folder / f'{name} {stem}.png').write_bytes(png_bytes((name, stem)))
    result = subprocess.run(
        [sys.executable, str(script), f'-dir:{sandbox.pywikibot_dir}', str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for stem in ('a', 'b'):
        assert wiki.upload_tags(f'Plot {name} {stem}.png') == [[tag]]


@pytest.mark.wiki
def test_a_scripts_row_with_a_problem_is_that_rows_outcome(tmp_path, sandbox, wiki, name, plots):
    """The checks before sending and their row outcomes are the command line's: the row
    whose category does not exist ends invalid, the other lands, and a second run
    leaves the row alone and exits 0."""
    script = tmp_path / 'upload_plots.py'
    filed = "categories=['Plots'])"
    assert filed in readme_script()
    script.write_text(
        readme_script().replace(
            filed, ("categories=['Plots' if path.stem.endswith(' a') else 'No such plots'])")
        ),
        encoding='utf-8',
    )
    folder = tmp_path / 'plots'
    folder.mkdir()
    for stem in ('a', 'b'):
        (folder / f'{name} {stem}.png').write_bytes(png_bytes((name, stem)))
    command = [sys.executable, str(script), f'-dir:{sandbox.pywikibot_dir}', str(folder)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == uploadbot.ExitCode.REFUSED, first.stdout + first.stderr
    assert (
        f"row 2: invalid     Plot {name} b.png - column 'template': the category "
        "'No such plots' does not exist on the wiki" in first.stderr
    )
    assert wiki.file_info(f'Plot {name} a.png') is not None
    assert wiki.file_info(f'Plot {name} b.png') is None
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert 'row 2: invalid     Plot' in second.stderr
    assert 'found by an earlier run, unchanged since' in second.stderr


def test_the_command_line_starts_without_the_server_extra():
    code = (
        'import sys\n'
        'for name in ("sqlalchemy", "pymysql", "psycopg"):\n'
        '    sys.modules[name] = None  # as if not installed\n'
        'import uploadbot.cli\n'
        'print("ok")'
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert result.stdout.strip() == 'ok', result.stderr
