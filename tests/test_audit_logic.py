"""The audit's own logic, fast: how the wiki's facts become findings, and which are new.

What the wiki answers is checked against the real sandbox in test_audit.py;
here the answers are written out, as the wiki gives them (formatversion 2).
"""

from __future__ import annotations

from typing import Any

import pytest

from uploadbot.api.audit_queries import LogEntry, Nominations, PageFacts, file_title, page_facts
from uploadbot.errors import ExitCode
from uploadbot.journal.base import Record
from uploadbot.journal.sqlite import SQLiteJournal
from uploadbot.run.audit import Audit, audit, findings_of
from uploadbot.state import Fate, Finding, State

BOT = 'UploadBot'
COMMONS = Nominations()
SHA1 = 'a' * 40


def record(name: str = 'Photo.jpg', **fields: Any) -> Record:
    return Record(
        source=f'{name}.src', filename=name, state=State.UPLOADED, title=f'File:{name}', sha1=SHA1, **fields
    )


def found(
    facts: PageFacts, removal: LogEntry | None = None, nominations: Nominations = COMMONS
) -> dict[Fate, str]:
    return dict(findings_of(record(), facts, removal, own_user=BOT, nominations=nominations))


def test_a_page_as_the_bot_left_it_is_fine():
    assert found(PageFacts('File:Photo.jpg', sha1=SHA1, uploader=BOT, editor=BOT)) == {}


def test_a_missing_page_is_deleted_with_who_when_and_why_from_the_log():
    facts = PageFacts('File:Photo.jpg', missing=True)
    removal = LogEntry('delete', 'Admin', '2026-12-04T10:00:00Z', 'Copyright violation')
    assert found(facts, removal) == {Fate.DELETED: 'by Admin, 2026-12-04T10:00:00Z: Copyright violation'}


def test_a_page_moved_without_a_redirect_is_moved_not_deleted():
    facts = PageFacts('File:Photo.jpg', missing=True)
    removal = LogEntry('move', 'Admin', '2026-12-04T10:00:00Z', '', 'File:Better.jpg')
    assert list(found(facts, removal)) == [Fate.MOVED]


def test_a_redirect_is_moved_and_the_moves_own_revision_is_no_edit():
    facts = PageFacts('File:Photo.jpg', moved_to='File:Better.jpg', sha1=SHA1, uploader=BOT, editor='Admin')
    assert found(facts) == {Fate.MOVED: 'to File:Better.jpg'}


def test_a_new_version_by_another_account_is_overwritten_with_its_sha1_and_user():
    facts = PageFacts('File:Photo.jpg', sha1='b' * 40, uploader='Someone', uploaded='T', editor='Someone')
    assert found(facts) == {Fate.OVERWRITTEN: f'by Someone, T (SHA1 {"b" * 40})'}


def test_a_new_version_by_the_bot_itself_is_no_finding():
    assert found(PageFacts('File:Photo.jpg', sha1='b' * 40, uploader=BOT, editor=BOT)) == {}


def test_a_dated_deletion_category_nominates_the_file():
    facts = PageFacts(
        'File:Photo.jpg',
        sha1=SHA1,
        uploader=BOT,
        editor='Someone',
        categories=['Category:Deletion requests December 2026'],
    )
    assert found(facts) == {Fate.NOMINATED: 'Category:Deletion requests December 2026'}


def test_a_template_of_the_operators_list_nominates_the_file():
    facts = PageFacts('File:Photo.jpg', sha1=SHA1, uploader=BOT, editor=BOT, templates=['Template:Löschen'])
    assert list(found(facts, nominations=Nominations.from_names(['Löschen']))) == [Fate.NOMINATED]


def test_the_latest_revision_by_another_account_alone_is_edited():
    facts = PageFacts('File:Photo.jpg', sha1=SHA1, uploader=BOT, editor='Someone', edited='T')
    assert found(facts) == {Fate.EDITED: 'by Someone, T'}


def test_nomination_names_split_into_templates_and_categories():
    nominations = Nominations.from_names(['Template:delete', 'speedy', 'Category:to go'])
    assert nominations == Nominations(('Delete', 'Speedy'), ('To go',))


def test_a_title_is_asked_in_the_wikis_own_form():
    assert file_title('file:some_photo.jpg') == 'File:Some photo.jpg'


class Answers:
    """The wiki's answers to ``query``, in order; the parameters asked are kept."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.asked: list[dict[str, Any]] = []

    def query(self, **params: Any) -> dict[str, Any]:
        self.asked.append(params)
        return self.answers.pop(0)


def test_a_continued_answer_is_merged_and_a_redirect_followed():
    wiki = Answers(
        {
            'redirects': [{'from': 'File:A.jpg', 'to': 'File:B.jpg'}],
            'pages': [
                {
                    'title': 'File:B.jpg',
                    'imageinfo': [{'sha1': SHA1, 'user': BOT}],
                    'categories': [{'title': 'Category:One'}],
                }
            ],
            'continue': {'clcontinue': '1|x', 'continue': '||'},
        },
        {'pages': [{'title': 'File:B.jpg', 'categories': [{'title': 'Category:Two'}]}]},
    )
    facts = page_facts(wiki, ['File:A.jpg'], nominations=Nominations())['File:A.jpg']
    assert (facts.moved_to, facts.sha1, facts.categories) == (
        'File:B.jpg',
        SHA1,
        ['Category:One', 'Category:Two'],
    )
    assert wiki.asked[1]['clcontinue'] == '1|x'


def test_titles_are_asked_many_per_query():
    wiki = Answers(*[{'pages': []}] * 3)
    page_facts(wiki, [f'File:{index}.jpg' for index in range(120)], nominations=Nominations(), per_query=50)
    assert [len(asked['titles'].split('|')) for asked in wiki.asked] == [50, 50, 20]


def fine_page(name: str) -> dict[str, Any]:
    return {'title': f'File:{name}', 'imageinfo': [{'sha1': SHA1, 'user': BOT}], 'revisions': [{'user': BOT}]}


def deleted_log() -> dict[str, Any]:
    return {
        'logevents': [
            {'type': 'delete', 'action': 'delete', 'user': 'Admin', 'timestamp': 'T', 'comment': 'why'}
        ]
    }


@pytest.fixture
def journal():
    with SQLiteJournal(':memory:') as journal:
        journal.save(record('Gone.jpg'))
        journal.save(record('Kept.jpg'))
        yield journal


def audit_once(journal, *answers: dict[str, Any], now: float) -> Audit:
    return audit(
        journal,
        Answers(*answers),
        own_user=BOT,
        per_query=50,
        nominations=Nominations(),
        page_url=str,
        now=now,
    )


def gone_and_kept() -> dict[str, Any]:
    return {'pages': [{'title': 'File:Gone.jpg', 'missing': True}, fine_page('Kept.jpg')]}


def test_a_finding_an_earlier_audit_saw_is_not_new_and_keeps_when_it_was_first_seen(journal):
    first = audit_once(journal, gone_and_kept(), deleted_log(), now=100.0)
    second = audit_once(journal, gone_and_kept(), deleted_log(), now=200.0)
    assert (first.exit_code(), second.exit_code(), second.new) == (ExitCode.NEW_FINDINGS, ExitCode.OK, [])
    assert journal.findings() == [
        Finding('Gone.jpg.src', 'Gone.jpg', Fate.DELETED, 'by Admin, T: why', 100.0)
    ]


def test_a_finding_that_no_longer_holds_is_dropped(journal):
    audit_once(journal, gone_and_kept(), deleted_log(), now=100.0)
    again = audit_once(journal, {'pages': [fine_page('Gone.jpg'), fine_page('Kept.jpg')]}, now=200.0)
    assert (again.findings, journal.findings(), journal.finding_counts()) == ([], [], {})


def test_a_new_edit_alone_is_said_but_not_signalled(journal):
    edited = {**fine_page('Kept.jpg'), 'revisions': [{'user': 'Someone'}]}
    result = audit_once(journal, {'pages': [fine_page('Gone.jpg'), edited]}, now=100.0)
    assert ([finding.fate for finding in result.new], result.exit_code()) == ([Fate.EDITED], ExitCode.OK)


def test_rows_not_published_are_not_asked_about(journal):
    journal.save(Record('Failed.jpg.src', 'Failed.jpg', state=State.FAILED))
    wiki = Answers({'pages': [fine_page('Gone.jpg'), fine_page('Kept.jpg')]})
    audit(journal, wiki, own_user=BOT, per_query=50, nominations=Nominations(), page_url=str)
    assert wiki.asked[0]['titles'] == 'File:Gone.jpg|File:Kept.jpg'


def test_a_journal_written_before_audits_existed_takes_findings(tmp_path):
    import sqlite3

    path = tmp_path / 'old.journal.sqlite'
    with sqlite3.connect(path) as old:
        old.execute(
            'CREATE TABLE rows (source TEXT NOT NULL, filename TEXT NOT NULL, '
            'state TEXT NOT NULL, PRIMARY KEY (source, filename))'
        )
    with SQLiteJournal(path) as journal:
        journal.keep_findings([Finding('a.src', 'A.jpg', Fate.MOVED, 'to File:B.jpg', 1.0)])
        assert journal.finding_counts() == {'moved': 1}


def test_the_report_lists_problems_first_each_with_a_link(journal, tmp_path):
    import json

    from uploadbot.run.report import Report

    journal.save(record('Zeta.jpg'))
    journal.save(record('Gone.jpg', row=9))  # last in the journal's order
    answers = Answers(
        {
            'pages': [
                {'title': 'File:Gone.jpg', 'missing': True},
                fine_page('Kept.jpg'),
                fine_page('Zeta.jpg'),
            ]
        },
        deleted_log(),
    )
    audit(
        journal,
        answers,
        own_user=BOT,
        per_query=50,
        nominations=COMMONS,
        page_url=lambda title: f'https://wiki/{title}',
        report=Report(tmp_path / 'a.json'),
    )
    rows = json.loads((tmp_path / 'a.json').read_text())
    assert [(row['filename'], row['warnings']) for row in rows] == [
        ('Gone.jpg', 'deleted'),
        ('Kept.jpg', 'fine'),
        ('Zeta.jpg', 'fine'),
    ]
    assert rows[0]['message'] == 'deleted by Admin, T: why <https://wiki/File:Gone.jpg>'


def test_a_title_the_wiki_writes_otherwise_is_found_under_its_form():
    wiki = Answers(
        {
            'normalized': [{'from': 'File:A b.jpg', 'to': 'File:A B.jpg'}],
            'pages': [{'title': 'File:A B.jpg', 'imageinfo': [{'sha1': SHA1}]}],
        }
    )
    facts = page_facts(wiki, ['File:A b.jpg'], nominations=COMMONS)['File:A b.jpg']
    assert (facts.missing, facts.sha1) == (False, SHA1)
