"""URL rows: the wiki copies the file, or the bot downloads it when the wiki will not."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from uploadbot.sandbox import Sandbox

from .conftest import Batch
from .files import jpeg_bytes
from .httpfiles import FileServer

pytestmark = pytest.mark.wiki


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@pytest.fixture(scope='module')
def nocopy(tmp_path_factory):
    """A second sandbox wiki with copy uploads turned off."""
    box = Sandbox(tmp_path_factory.mktemp('nocopy'), workers=2, copy_uploads=False)
    info = box.start()
    yield info
    box.stop()


class UrlBatch(Batch):
    """A batch of URL rows; runs with its own temporary folder to watch for leftovers."""

    def add_url(self, filename: str, url: str) -> None:
        self.rows.append({'file': url, 'filename': filename, 'description': 'From a URL'})

    def run(self, *args: str, check: bool = False, timeout: float = 600):
        self.write()
        self.temp = self.folder / 'tmp'
        self.temp.mkdir(exist_ok=True)
        command = [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{self.sandbox.pywikibot_dir}',
            f'-manifest:{self.manifest}',
            f'-template:{self.template}',
            f'-report:{self.report}',
            *args,
        ]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
            env={**os.environ, 'TMPDIR': str(self.temp)},
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result


@pytest.fixture
def server(name):
    files = {
        f'{kind}.jpg': jpeg_bytes(size, seed=(name, kind))
        for kind, size in (('a', 5000), ('b', 6000), ('big', 300_000))
    }
    server = FileServer(files)
    yield server
    server.close()


def test_url_row_is_copied_by_the_wiki(tmp_path, sandbox, wiki, server, name):
    batch = UrlBatch(tmp_path, sandbox)
    batch.add_url(f'{name}.jpg', server.url('/files/a.jpg'))
    batch.run(check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'uploaded' and 'copied by the wiki' in row['message']
    assert (row['file'], row['sent']) == (server.url('/files/a.jpg'), '0')
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(server.files['a.jpg'])
    assert row['sha1'] == sha1(server.files['a.jpg'])


def test_url_copy_published_by_a_job_with_async(tmp_path, sandbox, wiki, server, name):
    batch = UrlBatch(tmp_path, sandbox)
    batch.add_url(f'{name}.jpg', server.url('/files/big.jpg'))
    batch.run('-async', check=True)
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'
    assert wiki.file_info(f'{name}.jpg')['sha1'] == sha1(server.files['big.jpg'])


def test_url_copy_meets_the_policy_at_the_commit(tmp_path, sandbox, wiki, admin, server, name):
    admin.upload(f'{name} already.jpg', server.files['a.jpg'])
    batch = UrlBatch(tmp_path, sandbox)
    batch.add_url(f'{name}.jpg', server.url('/files/a.jpg'))
    batch.run(check=True)
    row = batch.outcomes()[f'{name}.jpg']
    assert (row['outcome'], row['warnings']) == ('skipped', 'duplicate')
    assert wiki.file_info(f'{name}.jpg') is None


def test_finished_url_row_is_not_fetched_again(tmp_path, sandbox, server, name):
    batch = UrlBatch(tmp_path, sandbox)
    batch.add_url(f'{name}.jpg', server.url('/files/a.jpg'))
    batch.run(check=True)
    fetched = len(server.requests)
    batch.run(check=True)
    assert fetched == 1 and len(server.requests) == 1
    assert batch.outcomes()[f'{name}.jpg']['outcome'] == 'uploaded'


def test_bot_downloads_when_the_wiki_does_not_copy(tmp_path, nocopy, server, name):
    batch = UrlBatch(tmp_path, nocopy)
    batch.add_url(f'{name} small.jpg', server.url('/files/a.jpg'))
    batch.add_url(f'{name} large.jpg', server.url('/files/big.jpg'))
    batch.run('-allow-local-urls', '-chunk-size:64Ki', check=True)
    rows = batch.outcomes()
    from .wikiapi import WikiAPI

    wiki = WikiAPI(nocopy.api_url)
    for target, served in ((f'{name} small.jpg', 'a.jpg'), (f'{name} large.jpg', 'big.jpg')):
        assert rows[target]['outcome'] == 'uploaded'
        assert 'downloaded by the bot' in rows[target]['message']
        assert wiki.file_info(target)['sha1'] == sha1(server.files[served])
    assert rows[f'{name} large.jpg']['chunks'] == '5'
    assert list(batch.temp.iterdir()) == [], 'temporary files are deleted'


def test_every_bad_url_gets_its_own_outcome_and_the_batch_goes_on(tmp_path, nocopy, server, name):
    batch = UrlBatch(tmp_path, nocopy)
    cases = {
        'missing': ('/missing', 'HTTP 404'),
        'loop': ('/loop', 'redirects'),
        'slow': ('/slow/a.jpg', 'gave up'),
        'cut': ('/cut-always/a.jpg', 'ended after 2500 of 5000 bytes'),
        'html': ('/html/a.jpg', 'text/html'),
        'big': ('/files/big.jpg', 'limit'),
    }
    for case, (path, _) in cases.items():
        batch.add_url(f'{name} {case}.jpg', server.url(path))
    batch.add_url(f'{name} resumed.jpg', server.url('/cut/b.jpg'))
    batch.add_url(f'{name} fine.jpg', server.url('/files/a.jpg'))
    result = batch.run('-allow-local-urls', '-max-download:100Ki', '-query-timeout:1')
    rows = batch.outcomes()
    assert result.returncode == 1
    for case, (_, words) in cases.items():
        row = rows[f'{name} {case}.jpg']
        assert row['outcome'] == 'failed', (case, row)
        assert words in row['message'], (case, row['message'])
    assert rows[f'{name} resumed.jpg']['outcome'] == 'uploaded'
    assert rows[f'{name} fine.jpg']['outcome'] == 'uploaded'
    assert any(request.startswith('/cut/b.jpg') for request in server.requests[1:])
    assert list(batch.temp.iterdir()) == []


def test_local_address_is_refused_unless_allowed(tmp_path, nocopy, server, name):
    batch = UrlBatch(tmp_path, nocopy)
    batch.add_url(f'{name}.jpg', server.url('/files/a.jpg'))
    assert batch.run().returncode == 1
    row = batch.outcomes()[f'{name}.jpg']
    assert row['outcome'] == 'failed' and 'local or private address' in row['message']
    assert server.requests == []


def test_malformed_url_is_refused_before_anything(tmp_path, sandbox, name):
    batch = UrlBatch(tmp_path, sandbox)
    batch.add_url(f'{name}.jpg', 'http://exa mple.org/a.jpg')
    result = batch.run()
    assert result.returncode == 6, result.stdout + result.stderr
    assert 'row 2: invalid' in result.stderr
    assert "column 'file'" in result.stderr and 'not a valid URL' in result.stderr
