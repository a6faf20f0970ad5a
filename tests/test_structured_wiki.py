"""Structured data end to end: real uploads to the sandbox, ``wb*`` answered by a stand-in.

The files go to the real sandbox wiki; only ``wbgetentities`` and
``wbeditentity``, which need Wikibase and WikibaseMediaInfo (not installable
here), are answered by :class:`tests.wikibase_standin.WikibaseStandIn`, a
proxy in front of the sandbox. ``-mediainfo`` tells the bot the wiki keeps
structured data, as a wiki whose siteinfo lists WikibaseMediaInfo would.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .files import jpeg_bytes
from .proxy import pywikibot_dir_through
from .wikibase_standin import WikibaseStandIn

pytestmark = pytest.mark.wiki

ROW = {
    'caption.en': 'A cat on a wall',
    'caption.de': 'Eine Katze auf einer Mauer',
    'depicts': 'Q146;Q42',
    'statement.P571': '2019-05-01',
    'statement.P275': 'Q18199165',
}


@pytest.fixture
def standin(sandbox):
    proxy = WikibaseStandIn(sandbox.port)
    yield proxy
    proxy.close()


@pytest.fixture
def through(standin, sandbox, tmp_path) -> Path:
    return pywikibot_dir_through(standin, Path(sandbox.pywikibot_dir), tmp_path / 'pwb')


def run(batch, through, *args, check=False):
    return batch.run('-mediainfo', *args, check=check, pywikibot_dir=through)


def page_id(wiki, name: str) -> int:
    pages = wiki.get(action='query', prop='info', titles=f'File:{name}')['query']['pages']
    return pages[0]['pageid']


def journal_row(batch, filename):
    path = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return dict(db.execute('SELECT * FROM rows WHERE filename = ?', (filename,)).fetchone())
    finally:
        db.close()


def test_each_uploaded_file_gets_one_edit_with_its_structured_data(batch, wiki, standin, through, name):
    batch.add(f'{name} 1.jpg', **ROW)
    batch.add(f'{name} 2.jpg', **{'caption.en': 'A second cat', 'depicts': 'Q146'})
    run(batch, through, check=True)
    assert len(standin.edits) == 2
    first = standin.entities[f'M{page_id(wiki, f"{name} 1.jpg")}']
    assert first['labels'] == {
        'en': {'language': 'en', 'value': 'A cat on a wall'},
        'de': {'language': 'de', 'value': 'Eine Katze auf einer Mauer'},
    }
    assert [s['mainsnak']['datavalue']['value']['id'] for s in first['statements']['P180']] == ['Q146', 'Q42']
    assert first['statements']['P571'][0]['mainsnak']['datavalue']['value']['time'] == '+2019-05-01T00:00:00Z'
    assert first['statements']['P275'][0]['mainsnak']['datavalue']['value']['id'] == 'Q18199165'
    second = standin.entities[f'M{page_id(wiki, f"{name} 2.jpg")}']
    assert list(second['statements']) == ['P180']
    edit = standin.edits[0]
    assert edit['bot'] == '1' and edit['maxlag'] and edit['baserevid']
    assert edit['summary'] == 'Uploaded with uploadbot'  # the row's upload summary
    outcomes = batch.outcomes()
    assert outcomes[f'{name} 1.jpg']['structured'] == 'done'
    assert 'added 2 caption(s) and 4 statement(s)' in outcomes[f'{name} 1.jpg']['message']


def test_a_rerun_adds_nothing(batch, standin, through, name):
    batch.add(f'{name}.jpg', **ROW)
    run(batch, through, check=True)
    reads = len(standin.reads)
    run(batch, through, check=True)
    assert len(standin.edits) == 1
    entity_reads = [ids for ids in standin.reads[reads:] if any(i.startswith('M') for i in ids)]
    assert entity_reads == []  # only the repository's properties and items were looked up
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'


def test_a_kill_between_upload_and_edit_is_resumed_with_the_edit_alone(batch, wiki, standin, through, name):
    batch.add(f'{name}.jpg', **ROW)
    batch.write()
    standin.hold_edits = True
    bot = subprocess.Popen(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{through}',
            f'-manifest:{batch.manifest}',
            f'-template:{batch.template}',
            f'-report:{batch.report}',
            '-mediainfo',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=batch.folder,
    )
    try:
        assert standin.edit_held.wait(300), 'the structured-data edit never came'
        bot.send_signal(signal.SIGKILL)
    finally:
        bot.wait()
    standin.hold_edits = False
    standin.released.set()
    row = journal_row(batch, f'{name}.jpg')
    assert (row['state'], row['structured']) == ('uploaded', 'pending')
    status = run(batch, through, '-status', check=True)
    assert 'structured data pending' in status.stdout
    uploads_before = sum(1 for request in standin.seen if request.action == 'upload')
    run(batch, through, check=True)
    assert sum(1 for request in standin.seen if request.action == 'upload') == uploads_before
    assert len(standin.edits) == 1
    assert len(wiki.file_versions(f'{name}.jpg')) == 1
    assert journal_row(batch, f'{name}.jpg')['structured'] == 'done'


def test_an_edit_made_meanwhile_is_merged_not_duplicated_or_overwritten(batch, wiki, standin, through, name):
    batch.add(f'{name}.jpg', **ROW)
    standin.someone_else = {
        'labels': {'en': {'language': 'en', 'value': "Someone's caption"}},
        'claims': [
            {
                'mainsnak': {
                    'snaktype': 'value',
                    'property': 'P180',
                    'datavalue': {
                        'type': 'wikibase-entityid',
                        'value': {'entity-type': 'item', 'numeric-id': 146, 'id': 'Q146'},
                    },
                },
                'type': 'statement',
            }
        ],
    }
    run(batch, through, check=True)
    entity = standin.entities[f'M{page_id(wiki, f"{name}.jpg")}']
    assert [s['mainsnak']['datavalue']['value']['id'] for s in entity['statements']['P180']] == [
        'Q146',
        'Q42',
    ]
    assert entity['labels']['en']['value'] == "Someone's caption"
    assert entity['labels']['de']['value'] == 'Eine Katze auf einer Mauer'
    assert len(standin.edits) == 1
    assert 'caption en kept as "Someone\'s caption"' in batch.outcomes()[f'{name}.jpg']['message']


def test_a_caption_in_other_words_is_kept_unless_replace_is_asked(batch, wiki, standin, through, name):
    batch.add(f'{name}.jpg', **{'caption.en': 'A cat'})
    run(batch, through, check=True)
    entity = f'M{page_id(wiki, f"{name}.jpg")}'
    batch.rows[0]['caption.en'] = 'A grey cat'
    run(batch, through, check=True)
    assert standin.entities[entity]['labels']['en']['value'] == 'A cat'
    assert 'caption en kept as "A cat"' in batch.outcomes()[f'{name}.jpg']['message']
    run(batch, through, '-captions:replace', check=True)
    assert standin.entities[entity]['labels']['en']['value'] == 'A grey cat'
    assert len(standin.edits) == 2


def test_passing_trouble_leaves_the_data_pending_for_the_next_run(batch, standin, through, name):
    batch.add(f'{name}.jpg', **ROW)
    standin.add('status', lambda request: request.action == 'wbeditentity', status=503, times=100)
    result = run(batch, through)
    assert result.returncode == 1
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['structured']) == ('uploaded', 'pending')
    standin.faults.clear()
    run(batch, through, check=True)
    assert len(standin.edits) == 1
    assert batch.outcomes()[f'{name}.jpg']['structured'] == 'done'


def test_check_names_every_invalid_structured_data_cell(batch, standin, through, name):
    batch.add(f'{name} 1.jpg', **{'caption.en': 'Fine', 'depicts': 'Q146', 'statement.P571': '1890'})
    batch.add(
        f'{name} 2.jpg',
        **{
            'caption.xx': 'Unknown language',
            'depicts': 'Q999999;cat',
            'statement.P571': 'last spring',
            'statement.P9999': 'x',
            'statement.P1476': 'zz:Title',
        },
    )
    result = run(batch, through, '-check')
    assert result.returncode == 2
    output = result.stdout + result.stderr
    for column, problem in [
        ('caption.xx', "the wiki knows no language 'xx'"),
        ('depicts', 'Q999999 does not exist'),
        ('depicts', "'cat' is not an item id"),
        ('statement.P571', "'last spring' is not a date"),
        ('statement.P9999', 'the property P9999 does not exist'),
        ('statement.P1476', "the wiki knows no language 'zz'"),
    ]:
        assert f"row 3, column '{column}': " in output and problem in output, (column, output)
    assert 'row 2: structured data: caption en "Fine"; P180 Q146; P571 1890' in output
    assert standin.edits == []


def test_a_wiki_without_structured_data_refuses_such_rows(batch, name):
    batch.add(f'{name}.jpg', **{'caption.en': 'A cat'})
    result = batch.run()
    assert result.returncode == 6, result.stdout + result.stderr
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['sent']) == ('invalid', '0')
    assert "column 'caption.en'" in row['message']
    assert 'WikibaseMediaInfo is not installed' in row['message']


def test_check_shows_what_the_edit_would_add_to_a_file_already_there(batch, wiki, standin, through, name):
    batch.add(f'{name}.jpg', **{'caption.en': 'A cat', 'depicts': 'Q146'})
    run(batch, through, check=True)
    batch.rows[0].update({'caption.en': 'A grey cat', 'depicts': 'Q146;Q42'})
    result = run(batch, through, '-check', check=True)
    entity = f'M{page_id(wiki, f"{name}.jpg")}'
    assert f'row 2: structured data: P180 Q42 (to {entity}, which the file has already)' in result.stdout
    assert 'caption en kept as "A cat"' in result.stdout
    assert len(standin.edits) == 1


SCRIPT = """
import sys
from pathlib import Path

import pywikibot

import uploadbot
from uploadbot.describe.mediainfo_cells import read_cells

folder = Path(pywikibot.handle_args(sys.argv[1:])[0])
site = pywikibot.Site()
site.login()
data, problems = read_cells({'caption.en': 'A plot', 'depicts': 'Q146'})
assert not problems
item = uploadbot.UploadItem(row=1, path=folder / 'plot.jpg', filename=sys.argv[-1],
                            source='plot.jpg', text='A plot {{cc-by-sa-4.0}}', comment='c',
                            policy=uploadbot.Policy.defaults(), structured=data)
with uploadbot.SQLiteJournal(folder / 'j.sqlite') as journal:
    bot = uploadbot.UploadBot.on_site(site, [item], journal=journal, mediainfo=True)
    bot.run()
sys.exit(bot.exit_code())
"""


def test_a_script_with_structured_data_gets_the_edit_too(tmp_path, wiki, standin, through, name):
    (tmp_path / 'plot.jpg').write_bytes(jpeg_bytes(2000, seed=name))
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT, encoding='utf-8')
    result = subprocess.run(
        [sys.executable, str(script), f'-dir:{through}', str(tmp_path), f'{name}.jpg'],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    entity = standin.entities[f'M{page_id(wiki, f"{name}.jpg")}']
    assert entity['labels'] == {'en': {'language': 'en', 'value': 'A plot'}}
    assert len(standin.edits) == 1
    assert standin.edits[0]['summary'] == 'c'  # the item's upload summary, as on the command line
