"""``-audit`` on the sandbox: what became of published files, each finding signalled once.

The admin deletes, moves and nominates; a second account (made here with
the API's ``createaccount``) overwrites and edits, as people on a real wiki do.
"""

from __future__ import annotations

import csv
import secrets
import time

import pytest

from .browser import open_page
from .conftest import SESSION
from .files import jpeg_bytes
from .wikiapi import WikiAPI

pytestmark = pytest.mark.wiki

#: Exit code of an audit that found something new (errors.ExitCode.NEW_FINDINGS).
NEW_FINDINGS = 7


@pytest.fixture(scope='module')
def other(sandbox, admin) -> WikiAPI:
    """A second account, neither the bot nor the admin; its password lives in memory only."""
    user = f'Other {SESSION}'
    password = secrets.token_urlsafe(18)
    token = admin.get(action='query', meta='tokens', type='createaccount')['query']['tokens'][
        'createaccounttoken'
    ]
    made = admin.post(
        action='createaccount',
        username=user,
        password=password,
        retype=password,
        createreturnurl='http://localhost/',
        createtoken=token,
    )
    assert made.get('createaccount', {}).get('status') == 'PASS', made
    return WikiAPI(sandbox.api_url).login(user, password)


@pytest.fixture(scope='module')
def delete_template(admin) -> str:
    """``Template:Delete`` as Commons has it, in spirit: it files the page in its category."""
    admin.edit(
        'Template:Delete',
        'This file is nominated for deletion.<includeonly>[[Category:Deletion requests]]</includeonly>',
    )
    return 'Delete'


def delete(admin: WikiAPI, title: str, reason: str) -> None:
    answer = admin.post(action='delete', title=title, reason=reason, token=admin.csrf())
    assert 'delete' in answer, answer


def move(admin: WikiAPI, source: str, target: str) -> None:
    answer = admin.post(
        action='move', **{'from': source}, to=target, reason='a better name', token=admin.csrf()
    )
    assert 'move' in answer, answer


def wait_for_category(wiki: WikiAPI, title: str, category: str) -> None:
    """The wiki files a page in a template's category in a deferred update: wait for it."""
    deadline = time.monotonic() + 60
    while True:
        page = wiki.get(action='query', titles=title, prop='categories')['query']['pages'][0]
        if any(entry['title'] == category for entry in page.get('categories', [])):
            return
        assert time.monotonic() < deadline, f'{title} never showed in {category}'
        time.sleep(0.5)


def audit_report(batch) -> dict[str, dict[str, str]]:
    with open(batch.report, newline='', encoding='utf-8') as handle:
        return {row['filename']: row for row in csv.DictReader(handle)}


def findings(batch) -> dict[str, str]:
    """Each row's findings, as the audit's report names them (its ``warnings`` column)."""
    return {filename: row['warnings'] for filename, row in audit_report(batch).items()}


def test_a_daily_audit_finds_each_change_and_signals_only_new_ones(
    batch, name, admin, other, wiki, delete_template
):
    names = {
        what: f'{name} {what}.jpg'
        for what in ('deleted', 'moved', 'overwritten', 'nominated', 'edited', 'kept', 'later')
    }
    for filename in names.values():
        batch.add(filename)
    batch.run(check=True)
    delete(admin, f'File:{names["deleted"]}', 'copyright violation: a test')
    move(admin, f'File:{names["moved"]}', f'File:{name} moved elsewhere.jpg')
    other.upload(names['overwritten'], jpeg_bytes(2500, seed=('another version', name)))
    nominated = f'File:{names["nominated"]}'
    admin.edit(nominated, '{{Delete|no permission}}\n' + wiki.page_text(nominated))
    wait_for_category(wiki, nominated, 'Category:Deletion requests')
    edited = f'File:{names["edited"]}'
    other.edit(edited, wiki.page_text(edited) + '\nA word from someone else.')

    first = batch.run('-audit')
    assert first.returncode == NEW_FINDINGS, first.stdout + first.stderr
    assert findings(batch) == {
        names['deleted']: 'deleted',
        names['moved']: 'moved',
        names['overwritten']: 'overwritten',
        names['nominated']: 'nominated',
        names['edited']: 'edited',
        names['kept']: 'fine',
        names['later']: 'fine',
    }
    report = audit_report(batch)
    assert f'by {admin_name(admin)}' in report[names['deleted']]['message']
    assert 'copyright violation: a test' in report[names['deleted']]['message']
    assert f'to File:{name} moved elsewhere.jpg' in report[names['moved']]['message']
    assert f'by {other_name(other)}' in report[names['overwritten']]['message']
    assert 'Template:Delete' in report[names['nominated']]['message']
    assert '5 new finding(s)' in first.stderr, first.stderr

    second = batch.run('-audit')
    assert (second.returncode, findings(batch)[names['deleted']]) == (0, 'deleted'), (
        second.stdout + second.stderr
    )
    assert '0 new finding(s)' in second.stderr

    delete(admin, f'File:{names["later"]}', 'out of scope')
    third = batch.run('-audit')
    assert third.returncode == NEW_FINDINGS, third.stdout + third.stderr
    assert '1 new finding(s)' in third.stderr and findings(batch)[names['later']] == 'deleted'
    fourth = batch.run('-audit')
    assert fourth.returncode == 0, fourth.stdout + fourth.stderr


def test_status_counts_the_findings_of_the_last_audit(batch, name, admin):
    batch.add(f'{name} gone.jpg')
    batch.add(f'{name} stays.jpg')
    batch.run(check=True)
    delete(admin, f'File:{name} gone.jpg', 'a test')
    batch.run('-audit')
    status = batch.run('-status')
    assert 'findings of the last audit' in status.stdout
    assert '      1 deleted' in status.stdout, status.stdout


def test_a_deleted_file_uploaded_again_on_purpose_is_fine_again(batch, name, admin):
    path = batch.add(f'{name} back.jpg')
    batch.run(check=True)
    delete(admin, f'File:{name} back.jpg', 'a test')
    assert batch.run('-audit').returncode == NEW_FINDINGS
    path.write_bytes(jpeg_bytes(2600, seed=('the partner sent it again', name)))
    again = batch.run('-on:was-deleted=upload')
    assert again.returncode == 0, again.stdout + again.stderr
    audit = batch.run('-audit')
    assert (audit.returncode, findings(batch)) == (0, {f'{name} back.jpg': 'fine'}), (
        audit.stdout + audit.stderr
    )


def admin_name(admin: WikiAPI) -> str:
    return admin.get(action='query', meta='userinfo')['query']['userinfo']['name']


def other_name(other: WikiAPI) -> str:
    return other.get(action='query', meta='userinfo')['query']['userinfo']['name']


@pytest.mark.database
@pytest.mark.parametrize('server', ['mariadb', 'postgres'])
def test_an_audit_of_a_server_journal_keeps_its_findings_there(batch, name, admin, server, request):
    pytest.importorskip('sqlalchemy', reason='the server extra is not installed')
    database = request.getfixturevalue(server)
    journal = [f'-journal:{database.url()}', f'-journal-cnf:{database.credentials}', f'-batch:{name}']
    batch.add(f'{name} gone.jpg')
    batch.add(f'{name} stays.jpg')
    batch.run(*journal, check=True)
    delete(admin, f'File:{name} gone.jpg', 'a test')
    first, second = batch.run(*journal, '-audit'), batch.run(*journal, '-audit')
    assert (first.returncode, second.returncode) == (NEW_FINDINGS, 0), first.stderr
    assert findings(batch) == {f'{name} gone.jpg': 'deleted', f'{name} stays.jpg': 'fine'}
    assert '      1 deleted' in batch.run(*journal, '-status').stdout


@pytest.mark.browser
def test_the_audits_report_page_shows_what_became_of_the_files(batch, name, admin, browser):
    batch.add(f'{name} page gone.jpg')
    batch.add(f'{name} page stays.jpg')
    batch.run(check=True)
    delete(admin, f'File:{name} page gone.jpg', 'a <b>test</b> of the page')
    page = batch.folder / 'audit.html'
    audit = batch.run('-audit', f'-report:{page}')
    assert audit.returncode == NEW_FINDINGS, audit.stdout + audit.stderr
    opened = open_page(browser, page, batch.folder / 'audit.png')
    cells = opened.page.eval_on_selector_all(
        '#findings tr.problem td', 'cells => cells.map(cell => cell.textContent)'
    )
    assert cells[:2] == [f'File:{name} page gone.jpg', 'deleted']
    assert 'a <b>test</b> of the page' in cells[2]
    assert opened.left_file() == [] and opened.dialogs == []
