"""Fixtures: one real sandbox wiki per test session, and ways to drive the bot.

Set ``UPLOADBOT_TEST_SANDBOX=DIR`` to run the tests against a sandbox that is
already running in DIR (faster while developing); otherwise a fresh one is
made in a temporary directory and stopped at the end.
"""

from __future__ import annotations

import csv
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from uploadbot.sandbox import Sandbox, SandboxInfo

from .browser import browser  # noqa: F401 (one chromium for the session)
from .dbfixtures import database_folder, mariadb, postgres  # noqa: F401 (session fixtures)
from .files import jpeg_bytes
from .wikiapi import WikiAPI

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items) -> None:
    """Tests marked ``last`` run after all others (the secrets search reads what they wrote)."""
    items.sort(key=lambda item: item.get_closest_marker('last') is not None)


@pytest.fixture(scope='session')
def sandbox(tmp_path_factory) -> SandboxInfo:
    reuse = os.environ.get('UPLOADBOT_TEST_SANDBOX')
    if reuse:
        yield SandboxInfo.read(Path(reuse))
        return
    box = Sandbox(tmp_path_factory.mktemp('sandbox'))
    info = box.start()
    try:
        yield info
    finally:
        box.stop()


def second_sandbox(tmp_path_factory, label: str, settings: str = '', **options):
    """Start a sandbox with extra LocalSettings lines (or other Sandbox options) for one module."""
    box = Sandbox(tmp_path_factory.mktemp(label), workers=2, extra_settings=settings, **options)
    yield box.start()
    box.stop()


def blacklisting_sandbox(tmp_path_factory, label: str, rule: str):
    """A sandbox whose TitleBlacklist refuses titles matching ``rule``, kept in a file (the
    source must not be called ``local``: TitleBlacklist uses that name for its own)."""
    folder = tmp_path_factory.mktemp(label)
    (folder / 'titleblacklist.txt').write_text(rule + '\n')
    settings = (
        "wfLoadExtension( 'TitleBlacklist' );\n"
        "$wgTitleBlacklistSources = [ 'tests' => [ 'type' => 'file', "
        f"'src' => '{folder / 'titleblacklist.txt'}' ] ];\n"
    )
    box = Sandbox(folder / 'wiki', workers=2, extra_settings=settings)
    yield box.start()
    box.stop()


@pytest.fixture(scope='session')
def wiki(sandbox) -> WikiAPI:
    return WikiAPI(sandbox.api_url)


@pytest.fixture(scope='session')
def admin(sandbox) -> WikiAPI:
    return WikiAPI(sandbox.api_url).login(sandbox.admin, sandbox.admin_password)


#: Tells this session's files from those of earlier sessions on a reused sandbox.
#: ``UPLOADBOT_TEST_SESSION`` sets it: to repeat a run under the prefix its header
#: shows, and for test_session_prefix.py, which runs tests under two fixed ones.
SESSION = os.environ.get('UPLOADBOT_TEST_SESSION') or secrets.token_hex(2)


def pytest_report_header() -> str:
    return f'session prefix: {SESSION} (UPLOADBOT_TEST_SESSION={SESSION} repeats it)'


@pytest.fixture
def name(request) -> str:
    """A file-name stem unique to the test, so tests sharing one wiki never collide."""
    test = request.node.name.replace('[', ' ').replace(']', '').replace('_', ' ')
    test = test.replace('{', '(').replace('}', ')')  # parameter ids may hold braces
    return f'T{SESSION} {test}'.replace('Ttest', 'T')


class Batch:
    """A folder with files, a CSV manifest and a description template."""

    TEMPLATE = (
        '== Summary ==\n{{Information\n |description = {{en|1={{{description}}}}}\n'
        ' |source = {{{source|{{own}}}}}\n |author = {{{author|UploadBot}}}\n}}\n'
        '== Licensing ==\n{{cc-by-sa-4.0}}\n'
    )

    def __init__(self, folder: Path, sandbox: SandboxInfo) -> None:
        self.folder = folder
        self.sandbox = sandbox
        self.rows: list[dict[str, str]] = []
        self.added = 0
        self.template = folder / 'description.wiki'
        self.template.write_text(self.TEMPLATE)
        self.manifest = folder / 'batch.csv'
        self.report = folder / 'report.csv'

    def add(
        self,
        filename: str,
        content: bytes | None = None,
        *,
        size: int = 2000,
        seed: object = 0,
        **fields: str,
    ) -> Path:
        self.added += 1
        path = self.folder / fields.pop('file', f'{self.added}-{filename}')
        path.write_bytes(content if content is not None else jpeg_bytes(size, seed=(filename, seed)))
        self.rows.append(
            {
                'file': path.name,
                'filename': filename,
                'description': fields.pop('description', f'Test file {filename}'),
                **fields,
            }
        )
        return path

    def write(self) -> Path:
        columns = list(dict.fromkeys(key for row in self.rows for key in row))
        with open(self.manifest, 'w', newline='', encoding='utf-8') as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(self.rows)
        return self.manifest

    def run(
        self, *args: str, check: bool = False, timeout: float = 600, pywikibot_dir: Path | str | None = None
    ) -> subprocess.CompletedProcess:
        """Run ``python -m uploadbot`` on this batch, as an operator would (with another
        ``pywikibot_dir``, one whose family points at a proxy, say)."""
        self.write()
        pwb = pywikibot_dir or self.sandbox.pywikibot_dir
        command = [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{pwb}',
            f'-manifest:{self.manifest}',
            f'-template:{self.template}',
            f'-report:{self.report}',
            *args,
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.folder, check=False
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def outcomes(self) -> dict[str, dict[str, str]]:
        """The report's rows, by target file name."""
        with open(self.report, newline='', encoding='utf-8') as handle:
            return {row['filename']: row for row in csv.DictReader(handle)}


@pytest.fixture
def batch(tmp_path, sandbox) -> Batch:
    return Batch(tmp_path, sandbox)
