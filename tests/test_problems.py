"""Row problems as row outcomes: sorted from the batch's, settled once in the journal."""

from __future__ import annotations

from dataclasses import replace

from uploadbot.batch.manifest import Row
from uploadbot.batch.plan import Plan
from uploadbot.errors import InputError, Refusal
from uploadbot.item import UploadItem
from uploadbot.journal.base import Record, left_alone
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.policy import Policy
from uploadbot.run.problems import RowProblem, settle, sort_out, without
from uploadbot.state import State


def plan_of(tmp_path) -> Plan:
    manifest = tmp_path / 'batch.csv'
    manifest.write_text('file,filename\n')
    (tmp_path / 'a.jpg').write_bytes(b'a')
    item = UploadItem(
        row=2,
        path=str(tmp_path / 'a.jpg'),
        filename='A.jpg',
        text='page',
        comment='c',
        policy=Policy.defaults(),
        source='a.jpg',
    )
    return Plan(
        manifest_path=manifest,
        items=[item],
        rows={2: Row(2, {'file': 'a.jpg', 'filename': 'A.jpg'}), 3: Row(3, {'file': 'gone.jpg'})},
    )


def problem(row: int | None, message: str = 'wrong', kind: type = InputError) -> InputError:
    return kind(message, path='batch.csv', row=row, field='file')


def test_a_problem_of_no_row_of_the_manifest_is_the_batchs(tmp_path):
    batch, rows = sort_out(plan_of(tmp_path), [problem(None), problem(1), problem(3)])
    assert [p.row for p in batch] == [None, 1]
    assert [p.row for p in rows] == [3]


def test_a_row_that_became_no_item_is_keyed_by_its_file_and_derived_name(tmp_path):
    _, [found] = sort_out(plan_of(tmp_path), [problem(3, 'no such file')])
    assert (found.source, found.filename, found.size) == ('gone.jpg', 'gone.jpg', -1)
    assert found.message == "column 'file': no such file"


def test_a_refusal_makes_the_row_refused_and_any_other_problem_invalid(tmp_path):
    _, rows = sort_out(
        plan_of(tmp_path), [problem(2, 'blacklisted', Refusal), problem(2, 'no category'), problem(3)]
    )
    assert [(p.row, p.state) for p in rows] == [(2, State.REFUSED), (3, State.INVALID)]
    assert rows[0].message == "column 'file': blacklisted; column 'file': no category"


def test_the_items_of_rows_with_problems_are_not_sent(tmp_path):
    plan = plan_of(tmp_path)
    _, rows = sort_out(plan, [problem(2)])
    assert without(plan.items, rows) == []


def gone(message: str = "column 'file': no such file") -> RowProblem:
    return RowProblem(row=3, source='gone.jpg', filename='Gone.jpg', state=State.INVALID, message=message)


def test_a_problem_is_new_on_the_run_that_finds_it_and_earlier_after(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        first = settle(journal, gone(), commit_held=False, retry_refused=False)
        again = settle(journal, gone(), commit_held=False, retry_refused=False)
        assert (first.outcome, first.earlier) == (State.INVALID, False)
        assert (again.outcome, again.earlier) == (State.INVALID, True)
        assert journal.get('gone.jpg', 'Gone.jpg').message == "column 'file': no such file"


def test_another_problem_of_the_same_row_is_new_again(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        settle(journal, gone(), commit_held=False, retry_refused=False)
        other = settle(journal, gone("column 'file': cannot read"), commit_held=False, retry_refused=False)
        assert other.earlier is False


def test_retry_refused_reports_a_known_problem_again(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        settle(journal, gone(), commit_held=False, retry_refused=False)
        assert settle(journal, gone(), commit_held=False, retry_refused=True).earlier is False


def test_a_row_an_earlier_run_published_keeps_its_outcome(tmp_path):
    with SQLiteJournal(tmp_path / 'j.sqlite') as journal:
        settle(journal, gone(), commit_held=False, retry_refused=False)
        done = journal.get('gone.jpg', 'Gone.jpg')
        journal.save(replace(done, state=State.UPLOADED, title='File:Gone.jpg'))
        outcome = settle(journal, gone(), commit_held=False, retry_refused=False)
        assert (outcome.outcome, outcome.earlier) == (State.UPLOADED, True)
        assert journal.get('gone.jpg', 'Gone.jpg').state is State.UPLOADED


def record_of(state: State, refused_for: str = '') -> Record:
    return Record('a.jpg', 'A.jpg', state=state, refused_for=refused_for)


def test_a_row_the_wiki_refused_is_left_alone_while_its_fingerprint_is_the_refused_one():
    refused = record_of(State.REFUSED, refused_for='f1')
    assert left_alone(refused, 'f1', commit_held=False, retry_refused=False)
    assert not left_alone(refused, 'f2', commit_held=False, retry_refused=False)
    assert not left_alone(refused, 'f1', commit_held=False, retry_refused=True)


def test_a_row_the_checks_settled_is_checked_again_not_left_alone():
    for state in (State.REFUSED, State.INVALID):
        assert not left_alone(record_of(state), 'f1', commit_held=False, retry_refused=False)


def test_a_held_row_is_left_alone_unless_held_rows_are_committed():
    held = record_of(State.HELD)
    assert left_alone(held, 'f1', commit_held=False, retry_refused=False)
    assert not left_alone(held, 'f1', commit_held=True, retry_refused=False)
