"""Kill the bot anywhere, run it again, and every file still lands exactly once.

Twenty SIGKILLs at seeded random moments during one batch of small and
chunked files — in start-up, while hashing, between and during chunks, at
the commit, in the middle of a journal write — each followed by a new run
(which is killed in its turn), then one run left to finish. At the end every
file is on the wiki once, as one version with the right SHA1, the journal
agrees with the wiki, and the last run's report lists every row.

The bot talks to the wiki through the fault proxy, which only holds each
SHA1 lookup of a chunked file for a second: that keeps a row in ``hashing``
long enough for some kills to land there. A kill cannot be aimed inside one
SQLite commit (microseconds); SQLite's atomic commit makes a kill there the
same as a kill just before or just after it, and kills land on both sides.
"""

from __future__ import annotations

import hashlib
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from .proxy import FaultProxy, pywikibot_dir_through
from .test_resume import start_bot

pytestmark = [pytest.mark.wiki, pytest.mark.slow]

CHUNK = 64 * 1024
KILLS = 20
SEED = 20261121


def last_write(batch) -> tuple[float, str]:
    """When the journal was last written and the state it wrote then ((0, '') before any)."""
    path = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    if not path.exists():
        return 0.0, ''
    try:
        db = sqlite3.connect(f'file:{path}?mode=ro', uri=True, timeout=10)
        try:
            row = db.execute('SELECT updated, state FROM rows ORDER BY updated DESC LIMIT 1').fetchone()
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0.0, ''
    return tuple(row) if row else (0.0, '')


@pytest.fixture
def slow_lookups(sandbox, tmp_path):
    """A pywikibot directory through a proxy that holds SHA1 lookups for a second."""
    proxy = FaultProxy(sandbox.port)
    proxy.add(
        'delay',
        lambda request: request.action == 'query' and request.param('list') == 'allimages',
        times=10_000,
        delay=1.0,
    )
    yield str(pywikibot_dir_through(proxy, Path(sandbox.pywikibot_dir), tmp_path / 'pwb'))
    proxy.close()


def test_twenty_kills_anywhere_leave_every_file_on_the_wiki_exactly_once(batch, wiki, name, slow_lookups):
    rng = random.Random(SEED)
    paths = {}
    for index in range(42):
        chunked = index % 3 == 0
        size = (6 * CHUNK + rng.randrange(CHUNK)) if chunked else 2500 + rng.randrange(5000)
        paths[f'{name} {index}.jpg'] = batch.add(f'{name} {index}.jpg', size=size)
    killed_in: list[str] = []
    for kill in range(KILLS):
        # The first kills come early (start-up, the first rows); later ones anywhere.
        delay = rng.uniform(0.0, 1.5) if kill < 4 else rng.uniform(1.2, 4.0)
        before, _ = last_write(batch)
        bot = start_bot(batch, f'-chunk-size:{CHUNK}', pywikibot_dir=slow_lookups)
        try:
            time.sleep(delay)
            finished = bot.poll() is not None
            bot.send_signal(signal.SIGKILL)
        finally:
            bot.wait()
        after, state = last_write(batch)
        # What the killed run was doing: the last state it wrote, or nothing yet.
        killed_in.append(
            'finished before the kill'
            if finished
            else f'after writing {state}'
            if after > before
            else 'start-up'
        )
    print(f'\nwhere the {KILLS} kills landed: {killed_in}')
    final = batch.run(f'-chunk-size:{CHUNK}', timeout=900)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
    report = batch.outcomes()
    assert set(report) == set(paths), 'the report lists every row'
    assert {row['outcome'] for row in report.values()} == {'uploaded'}
    path = batch.manifest.with_name(batch.manifest.name + '.journal.sqlite')
    with sqlite3.connect(path) as db:
        journal = {
            filename: (state, digest)
            for filename, state, digest in db.execute('SELECT filename, state, sha1 FROM rows')
        }
    for filename, source in paths.items():
        digest = hashlib.sha1(source.read_bytes()).hexdigest()
        versions = wiki.file_versions(filename)
        assert [version['sha1'] for version in versions] == [digest], filename
        assert wiki.files_with_sha1(digest) == [filename.replace(' ', '_')], filename
        assert journal[filename] == ('uploaded', digest), filename
        assert report[filename]['sha1'] == digest
