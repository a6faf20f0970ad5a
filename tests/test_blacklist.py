"""A title the wiki's TitleBlacklist forbids is ``refused`` once, and the next run sends nothing.

A second sandbox loads Debian's TitleBlacklist extension with a list in a
file that forbids file names containing "Forbidden" (the bot account is in
the ``bot`` group, which has no ``tboverride``). The source must not be
called ``local``: TitleBlacklist uses that name for its own message source.
"""

from __future__ import annotations

import pytest

from .conftest import Batch, blacklisting_sandbox
from .wikiapi import WikiAPI

pytestmark = pytest.mark.wiki


@pytest.fixture(scope='module')
def blacklisting_wiki(tmp_path_factory):
    yield from blacklisting_sandbox(tmp_path_factory, 'blacklist', 'File:.*Forbidden.*')


def test_a_blacklisted_title_is_refused_once_and_not_sent_by_the_next_run(tmp_path, blacklisting_wiki, name):
    """The wiki's own refusal at upload time (the check before upload, which would
    find the name first, is turned off: that check has tests of its own)."""
    batch = Batch(tmp_path, blacklisting_wiki)
    batch.add(f'{name} Forbidden.jpg')
    batch.add(f'{name} fine.jpg')
    first = batch.run('-no-title-check')
    assert first.returncode == 6, first.stdout + first.stderr
    rows = batch.outcomes()
    assert rows[f'{name} Forbidden.jpg']['outcome'] == 'refused'
    assert 'titleblacklist-forbidden' in rows[f'{name} Forbidden.jpg']['message']
    assert rows[f'{name} fine.jpg']['outcome'] == 'uploaded'
    wiki = WikiAPI(blacklisting_wiki.api_url)
    second = batch.run('-no-title-check')
    assert second.returncode == 0, second.stdout + second.stderr
    rows = batch.outcomes()
    refused = rows[f'{name} Forbidden.jpg']
    assert (refused['outcome'], refused['attempts'], refused['sent']) == ('refused', '1', '0')
    assert refused['message'].startswith('refused by an earlier run')
    assert '1 row(s) refused or found invalid by an earlier run wait for a person' in second.stderr
    assert wiki.file_info(f'{name} Forbidden.jpg') is None
    assert len(wiki.upload_log(f'{name} fine.jpg')) == 1
