"""Large batches: names asked about in big groups, hashes read once, progress in a log.

The query answers here come from small stand-ins (like test_lookup's), since
these are pure unit tests; the sandbox wiki tests of ``-check`` are in
test_check.py.
"""

from __future__ import annotations

import hashlib
import os
import threading

import pytest
import pywikibot

from uploadbot.api import lookup
from uploadbot.batch.manifest import read_manifest
from uploadbot.batch.plan import Planner
from uploadbot.item import UploadItem
from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.run.progress import Steps
from uploadbot.state import State
from uploadbot.upload import task as task_module
from uploadbot.upload.forecast import forecast
from uploadbot.upload.hashes import Hashes
from uploadbot.upload.task import TaskSettings, UploadTask

from .scripted import Reply, ScriptedTransfer, success


class Wiki:
    """Answers title and SHA1 queries from a dict of files, counting them; thread-safe."""

    def __init__(self, files: dict[str, str] | None = None, *, continue_after: int = 0) -> None:
        self.files = files or {}  # name -> sha1
        self.continue_after = continue_after
        self.queries: list[dict] = []
        self.lock = threading.Lock()

    def query(self, **params):
        with self.lock:
            self.queries.append(params)
        if 'aisha1' in params:
            return {
                'allimages': [
                    {'name': name.replace(' ', '_')}
                    for name, sha1 in self.files.items()
                    if sha1 == params['aisha1']
                ]
            }
        titles = params['titles'].split('|')
        shown = titles if 'iicontinue' in params or not self.continue_after else titles[: self.continue_after]
        pages = []
        for title in titles:
            name = title.removeprefix('File:')
            if name not in self.files:
                pages.append({'title': title, 'missing': True})
            elif title in shown:
                pages.append(
                    {'title': title, 'imageinfo': [{'sha1': self.files[name], 'user': 'Other', 'size': 1}]}
                )
            else:
                pages.append({'title': title})
        answer = {'pages': pages}
        if shown is not titles:
            answer['continue'] = {'iicontinue': 'next', 'continue': '||'}
        return answer


def items_in(folder, count, *, same_content=()):
    """``count`` files of distinct content (rows in ``same_content`` repeat row 2's)."""
    items = []
    for number in range(2, count + 2):
        path = folder / f'f{number}.png'
        path.write_bytes(b'same' if number in same_content else f'file {number}'.encode())
        items.append(
            UploadItem(
                row=number,
                path=path,
                filename=f'F{number}.png',
                text='t',
                comment='c',
                policy=Policy.defaults(),
                source=path.name,
            )
        )
    return items


# -- names, many per query --------------------------------------------------------------


def test_names_go_500_per_query_for_an_account_with_apihighlimits():
    wiki = Wiki()
    lookup.file_pages(wiki, [f'N{n}.png' for n in range(1200)], per_query=lookup.titles_per_query(True))
    assert [len(q['titles'].split('|')) for q in wiki.queries] == [500, 500, 200]


def test_names_go_50_per_query_for_other_accounts():
    assert lookup.titles_per_query(False) == 50


def test_an_answer_the_wiki_continues_is_followed_to_its_end():
    wiki = Wiki({'A.png': 'a' * 40, 'B.png': 'b' * 40}, continue_after=1)
    found = lookup.file_pages(wiki, ['A.png', 'B.png', 'C.png'])
    assert {name: page['imageinfo'][0]['sha1'] for name, page in found.items()} == {
        'A.png': 'a' * 40,
        'B.png': 'b' * 40,
    }
    assert [q.get('iicontinue') for q in wiki.queries] == [None, 'next']


# -- the forecast: one query per content, several at once ------------------------------------


@pytest.mark.parametrize('workers', [1, 4])
def test_a_forecast_asks_once_per_content_and_per_group_of_names(tmp_path, workers):
    items = items_in(tmp_path, 30, same_content={5, 6})
    wiki = Wiki({'Elsewhere.png': hashlib.sha1(b'file 3').hexdigest()})
    found, problems = forecast(
        wiki, items, own_user='Bot', workers=workers, transfers=lambda: wiki, per_query=500
    )
    assert len([q for q in wiki.queries if 'aisha1' in q]) == 29  # 30 rows, 29 contents
    assert len([q for q in wiki.queries if 'titles' in q]) == 1
    assert [(p.row, p.message) for p in problems] == [(6, 'the same content as row 5')]
    assert {f.row: f.outcome for f in found if f.outcome is not State.UPLOADED} == {3: State.SKIPPED}


def test_each_worker_asks_through_a_transfer_of_its_own(tmp_path):
    made = []

    def transfers():
        made.append(Wiki())
        return made[-1]

    forecast(Wiki(), items_in(tmp_path, 40), own_user='Bot', workers=3, transfers=transfers)
    assert 1 <= len(made) <= 3
    assert sum(len(wiki.queries) for wiki in made) == 40


# -- hashes, read once and kept in the journal --------------------------------------------


@pytest.fixture
def journal(tmp_path):
    with SQLiteJournal(tmp_path / 'batch.journal.sqlite') as journal:
        yield journal


def rewrite_keeping_size_and_time(path, content):
    """New bytes, same size and modification time: only reading the file would tell."""
    stat = os.stat(path)
    assert len(content) == stat.st_size
    path.write_bytes(content)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_second_pass_takes_every_hash_from_the_journal_and_reads_no_file(tmp_path, journal):
    items = items_in(tmp_path, 5)
    first = Hashes(journal).sha1s(items)
    for item in items:
        rewrite_keeping_size_and_time(item.path, b'X' * item.size)
    again = Hashes(journal)
    assert again.sha1s(items) == first
    assert again.read == 0


def test_a_file_whose_modification_time_changed_is_read_again(tmp_path, journal):
    items = items_in(tmp_path, 2)
    Hashes(journal).sha1s(items)
    items[0].path.write_bytes(b'file 9')  # same size, new time
    os.utime(items[0].path, ns=(1, 10**18))
    again = Hashes(journal)
    assert again.sha1s(items)[2] == hashlib.sha1(b'file 9').hexdigest()
    assert again.read == 1


def test_hashes_are_kept_as_pending_records_of_the_files_size_and_time(tmp_path, journal):
    item = items_in(tmp_path, 1)[0]
    Hashes(journal).sha1s([item])
    record, stat = journal.get(*item.key), os.stat(item.path)
    assert (record.state, record.sha1, record.size, record.mtime_ns) == (
        State.PENDING,
        hashlib.sha1(b'file 2').hexdigest(),
        stat.st_size,
        stat.st_mtime_ns,
    )


def test_a_row_a_run_has_started_keeps_its_record_when_its_file_changed(tmp_path, journal):
    item = items_in(tmp_path, 1)[0]
    started = journal.save(
        Record(*item.key, row=2, state=State.STASHING, size=99, mtime_ns=1, filekey='k1', offset=50)
    )
    Hashes(journal).sha1s([item])
    assert journal.get(*item.key) == started


def test_an_upload_after_a_check_does_not_hash_a_large_file_again(tmp_path, journal, monkeypatch):
    path = tmp_path / 'large.png'
    path.write_bytes(bytes(range(256)) * 10)
    item = UploadItem(
        row=2,
        path=path,
        filename='Large.png',
        text='t',
        comment='c',
        policy=Policy.defaults(),
        source='large.png',
    )
    sha1 = Hashes(journal).sha1s([item])[2]
    monkeypatch.setattr(task_module, 'file_sha1', lambda path: pytest.fail('hashed again'))
    transfer = ScriptedTransfer(
        ('query', {'allimages': []}),
        ('upload_chunk', Reply('Continue', filekey='k1', offset=2000)),
        ('upload_chunk', Reply('Success', filekey='k2', imageinfo={'sha1': sha1})),
        ('commit', success('Large.png')),
    )
    outcome = UploadTask(
        transfer, item, journal=journal, settings=TaskSettings(chunk_size=2000, own_user='Bot')
    ).run()
    assert (outcome.outcome, outcome.sha1) == (State.UPLOADED, sha1)


# -- progress in a log ------------------------------------------------------------------


@pytest.fixture
def lines(monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(pywikibot, 'info', said.append)  # where a run's lines go
    return said


def test_a_log_gets_a_line_at_the_start_at_each_tenth_and_at_the_end(lines):
    with Steps('looking up contents', 100, bars=False, every=3600) as steps:
        for _ in range(100):
            steps.advance()
    assert lines[0] == 'looking up contents: 100 rows'
    assert [line.split(' rows')[0] for line in lines[1:-1]] == [
        f'looking up contents: {n}/100' for n in range(10, 100, 10)
    ]
    assert all(line.endswith(' left') for line in lines[1:-1])
    assert lines[-1].startswith('looking up contents: 100/100 rows done in ')


def test_a_log_line_counts_bytes_when_the_work_is_reading_files(lines):
    with Steps('hashing', 4, total_bytes=4 * 2**20, bars=False) as steps:
        steps.advance(1, 2**20)
    assert lines[1].startswith('hashing: 1/4 rows (25%), 1.0 MiB of 4.0 MiB, about ')


def test_planning_reports_each_row_it_checked(tmp_path):
    (tmp_path / 'a.png').write_bytes(b'\x89PNG\r\n\x1a\n')
    (tmp_path / 'batch.csv').write_text('file,description\na.png,x\nmissing.png,y\n')
    (tmp_path / 't.wiki').write_text('{{{description}}}')
    seen = []
    Planner(
        read_manifest(tmp_path / 'batch.csv'),
        policy=Policy.defaults(),
        summary='s',
        template=tmp_path / 't.wiki',
    ).plan(on_row=lambda: seen.append(1))
    assert len(seen) == 2


def test_a_file_gone_since_planning_is_a_problem_of_its_row_not_a_crash(tmp_path):
    items = items_in(tmp_path, 3)
    items[1].path.unlink()
    found, problems = forecast(Wiki(), items, own_user='Bot', manifest='batch.csv')
    assert [(p.row, p.field, 'cannot read' in p.message) for p in problems] == [(3, 'file', True)]
    assert len(found) == 3
