"""Permanent refusals end a row ``refused``; later runs leave it alone until it changes.

The upload logic over a scripted transfer; the same is proven against the
real sandbox wiki in ``test_refused_rows.py``.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from uploadbot.api.answers import WikiError
from uploadbot.api.refusals import is_abusefilter_warning, is_permanent
from uploadbot.errors import ExitCode
from uploadbot.item import UploadItem
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.run.bot import UploadBot
from uploadbot.run.report import Report
from uploadbot.state import State
from uploadbot.upload.task import TaskSettings, UploadTask

from .scripted import ScriptedTransfer, success

BOT = 'Bot'


@pytest.fixture
def journal():
    with SQLiteJournal(':memory:') as journal:
        yield journal


@pytest.fixture
def item(tmp_path) -> UploadItem:
    path = tmp_path / 'small.jpg'
    path.write_bytes(b'x' * 500)
    return UploadItem(
        row=2,
        path=path,
        filename='Photo.jpg',
        text='page',
        comment='c',
        policy=Policy.defaults(),
        source=path.name,
    )


def run(transfer, item, journal, **settings):
    task = UploadTask(
        transfer, item, journal=journal, settings=TaskSettings(chunk_size=1000, own_user=BOT, **settings)
    )
    return task.run()


BLACKLISTED = WikiError('titleblacklist-forbidden', 'TitleBlacklist prevents this title')


@pytest.mark.parametrize(
    'code',
    [
        'titleblacklist-forbidden',
        'spamblacklist',
        'abusefilter-disallowed',
        'filetype-banned',
        'verification-error',
        'permissiondenied',
        'fileexists-forbidden',
        'illegal-filename',
        'protectedtitle',
        'blocked',
        'titleblacklist-forbidden-upload',
    ],
)
def test_refusals_a_person_must_mend_are_permanent(code):
    assert is_permanent(code)


@pytest.mark.parametrize(
    'code',
    [
        'stashfailed',
        'maxlag',
        'ratelimited',
        'readonly',
        'internal_api_error_DBQueryError',
        'backend-fail-internal',
        'http-403',
        'uncertain',
        'unexpected-reply',
        'badtoken',
        'abusefilter-warning',
    ],
)
def test_passing_trouble_and_warnings_are_not_permanent(code):
    assert not is_permanent(code)


def test_an_abusefilter_warning_with_its_own_message_is_still_a_warning():
    assert is_abusefilter_warning('abusefilter-warning')
    assert not is_abusefilter_warning('abusefilter-disallowed')


def test_a_permanent_refusal_ends_the_row_refused_with_the_wikis_words(item, journal):
    outcome = run(ScriptedTransfer(('upload', BLACKLISTED)), item, journal)
    assert outcome.outcome is State.REFUSED
    assert outcome.message == (
        'the wiki refused it: titleblacklist-forbidden: TitleBlacklist prevents this title'
    )
    record = journal.get(*item.key)
    assert (record.state, record.refused_for) == (State.REFUSED, item.fingerprint)


def test_a_passing_failure_stays_failed_and_is_tried_again(item, journal):
    run(ScriptedTransfer(('upload', WikiError('backend-fail-internal', 'disk'))), item, journal)
    again = ScriptedTransfer(('upload', success('Photo.jpg')))
    assert run(again, item, journal).outcome is State.UPLOADED
    assert again.finished()


def test_a_refused_row_is_not_sent_again_by_the_next_run(item, journal):
    run(ScriptedTransfer(('upload', BLACKLISTED)), item, journal)
    silent = ScriptedTransfer()
    outcome = run(silent, item, journal)
    assert silent.calls == []
    assert (outcome.outcome, outcome.earlier) == (State.REFUSED, True)
    assert outcome.message.startswith('refused by an earlier run')


def test_retry_refused_sends_an_unchanged_refused_row_again(item, journal):
    run(ScriptedTransfer(('upload', BLACKLISTED)), item, journal)
    again = ScriptedTransfer(('upload', success('Photo.jpg')))
    assert run(again, item, journal, retry_refused=True).outcome is State.UPLOADED


@pytest.mark.parametrize(
    'change',
    [
        {'text': 'a better page'},
        {'comment': 'another summary'},
        {'policy': Policy.defaults().overlay({'exists': 'rename'}, source='test')},
    ],
    ids=['page text', 'comment', 'policy'],
)
def test_a_refused_row_that_changed_is_sent_again(item, journal, change):
    run(ScriptedTransfer(('upload', BLACKLISTED)), item, journal)
    again = ScriptedTransfer(('upload', success('Photo.jpg')))
    assert run(again, replace(item, **change), journal).outcome is State.UPLOADED


def test_a_refused_row_whose_file_changed_is_sent_again(item, journal):
    run(ScriptedTransfer(('upload', BLACKLISTED)), item, journal)
    item.path.write_bytes(b'y' * 600)
    os.utime(item.path, ns=(1, 1))
    again = ScriptedTransfer(('upload', success('Photo.jpg')))
    assert run(again, item, journal).outcome is State.UPLOADED


def bot_over(transfer, items, journal):
    bot = UploadBot(
        items,
        lambda: transfer,
        Report(),
        journal=journal,
        settings=TaskSettings(chunk_size=1000, own_user=BOT),
    )
    bot.run()
    return bot


def test_a_run_that_meets_a_new_refusal_exits_with_its_own_code(item, journal):
    bot = bot_over(ScriptedTransfer(('upload', BLACKLISTED)), [item], journal)
    assert bot.exit_code() is ExitCode.REFUSED


def test_a_run_whose_only_problems_are_earlier_refusals_exits_0(item, journal):
    bot_over(ScriptedTransfer(('upload', BLACKLISTED)), [item], journal)
    bot = bot_over(ScriptedTransfer(), [item], journal)
    assert bot.exit_code() is ExitCode.OK
    assert bot.report.counts()[State.REFUSED] == 1


def test_a_failure_outranks_a_new_refusal_in_the_exit_code(item, tmp_path, journal):
    other = replace(item, filename='Other.jpg', row=3)
    transfer = ScriptedTransfer(
        ('upload', BLACKLISTED), ('upload', WikiError('backend-fail-internal', 'disk'))
    )
    assert bot_over(transfer, [item, other], journal).exit_code() is ExitCode.FAILED


def test_the_notes_of_the_transfer_are_kept_in_the_rows_message(item, journal):
    transfer = ScriptedTransfer(('upload', success('Photo.jpg')))
    transfer.notes.append('AbuseFilter warned (abusefilter-warning): mind the licence')
    outcome = run(transfer, item, journal)
    assert outcome.outcome is State.UPLOADED
    assert 'mind the licence' in outcome.message
