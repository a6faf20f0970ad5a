"""No password, BotPassword secret or token in anything the bot writes.

This test runs last (see conftest): after one more batch with pywikibot's
``-log`` on, it searches every file the whole test session wrote — reports,
journals, previews, pywikibot's logs, the sandbox's server logs, and the
bot's captured output — for the sandbox's secrets and for anything shaped
like a MediaWiki token. Files whose job is to hold a credential (the
password file, pywikibot's cookie jar, the sandbox's own records) are the
only ones left out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .dbfixtures import password_of

pytestmark = [pytest.mark.wiki, pytest.mark.last]

#: A CSRF or login token: hex digits, then ``+\``.
TOKEN = re.compile(rb'[0-9a-f]{32,}\+\\')

#: Where credentials are meant to be.
CREDENTIAL_STORES = re.compile(
    r'(user-password\.py|\.lwp|sandbox\.json|\.secret|'
    r'LocalSettings\.php|\.sqlite(-wal|-shm)?)$'
)


def secrets_of(sandbox) -> list[bytes]:
    directory = Path(sandbox.pywikibot_dir).parent
    recorded = json.loads((directory / 'sandbox.json').read_text())
    return [(directory / 'bot.secret').read_text().strip().encode(), recorded['admin_password'].encode()]


def files_under(*roots: Path):
    for root in roots:
        for path in root.rglob('*'):
            if path.is_file() and not CREDENTIAL_STORES.search(path.name):
                yield path


def test_nothing_the_suite_wrote_holds_a_secret_or_a_token(batch, sandbox, admin, name, tmp_path_factory):
    assert TOKEN.search(admin.csrf().encode()), 'the pattern recognises a real token'
    batch.add(f'{name} fine.jpg')
    batch.add(f'{name} empty.jpg', content=b'')
    result = batch.run('-log', '-chunk-size:64Ki')
    (batch.folder / 'bot-output.txt').write_text(result.stdout + result.stderr)
    sandbox_dir = Path(sandbox.pywikibot_dir).parent
    roots = [tmp_path_factory.getbasetemp(), sandbox_dir / 'logs', Path(sandbox.pywikibot_dir) / 'logs']
    secrets = secrets_of(sandbox)
    searched, found = set(), []
    for path in files_under(*[root for root in roots if root.exists()]):
        data = path.read_bytes()
        searched.add(path)
        found += [f'{path}: a secret' for secret in secrets if secret in data]
        found += [f'{path}: a token' for _ in TOKEN.finditer(data)][:1]
    assert {batch.report, batch.folder / 'bot-output.txt'} <= searched
    assert any(path.suffix == '.log' for path in searched), 'pywikibot wrote a log'
    assert found == []


def test_journal_and_report_hold_no_secret(batch, sandbox, name):
    batch.add(f'{name}.jpg')
    batch.run(check=True)
    journal = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    for path in (journal, batch.report):
        data = path.read_bytes()
        assert not any(secret in data for secret in secrets_of(sandbox))
        assert not TOKEN.search(data)


@pytest.mark.database
def test_a_batch_on_a_database_journal_logs_no_database_password(batch, sandbox, mariadb, name):
    password = password_of(mariadb)
    batch.add(f'{name} shared.jpg')
    result = batch.run(
        '-log',
        f'-journal:{mariadb.url()}',
        f'-journal-cnf:{mariadb.credentials}',
        f'-batch:{name}',
        check=True,
    )
    logs = [path.read_text(errors='replace') for path in (Path(sandbox.pywikibot_dir) / 'logs').glob('*.log')]
    assert len(password) >= 16
    assert any(f"batch '{name}'" in log for log in logs), 'the log holds this run'
    assert [
        text for text in (result.stdout + result.stderr, batch.report.read_text(), *logs) if password in text
    ] == []
