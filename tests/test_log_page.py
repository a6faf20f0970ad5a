"""-log-page:TITLE: one section per run that published files, each file listed once."""

from __future__ import annotations

import re

import pytest

from .files import jpeg_bytes

pytestmark = pytest.mark.wiki


def gallery(text: str | None) -> list[list[str]]:
    """Each section's gallery: its lines, in order."""
    return [block.strip().splitlines() for block in re.findall(r'<gallery>(.*?)</gallery>', text or '', re.S)]


def revisions(wiki, title: str) -> list[dict]:
    page = wiki.get(action='query', titles=title, prop='revisions', rvprop='comment|tags', rvlimit='max')[
        'query'
    ]['pages'][0]
    return page.get('revisions', [])


def test_a_run_appends_one_section_with_the_files_it_published(batch, wiki, admin, name):
    title = f'Project:Batch log/{name}'
    admin.upload(f'{name} taken.jpg', jpeg_bytes(3000, seed=(name, 'theirs')))
    batch.add(f'{name} one.jpg')
    batch.add(f'{name} taken.jpg', seed=2)
    tag = f'uploadbot-log-{name.split()[0]}'  # one per test session: a sandbox may be reused
    admin.create_tag(tag)
    result = batch.run(
        f'-log-page:{title}', '-on:exists=rename', '-summary:log test', f'-tag:{tag}', check=True
    )
    assert f'log page {title}: 2 file(s) listed' in result.stderr
    text = wiki.page_text(title)
    assert gallery(text) == [[f'File:{name} one.jpg', f'File:{name} taken (2).jpg']]
    assert '1 uploaded, 1 renamed' in text
    assert [(revision['comment'], revision['tags']) for revision in revisions(wiki, title)] == [
        ('log test', [tag])
    ]


def test_a_run_that_published_nothing_does_not_edit(batch, wiki, name):
    title = f'Project:Batch log/{name}'
    batch.add(f'{name}.jpg')
    batch.run(f'-log-page:{title}', check=True)
    again = batch.run(f'-log-page:{title}', check=True)
    assert 'nothing published to list, not edited' in again.stderr
    assert len(revisions(wiki, title)) == 1


def test_files_of_a_run_that_wrote_no_section_are_in_the_next_runs(batch, wiki, name):
    title = f'Project:Batch log/{name}'
    batch.add(f'{name} early.jpg')
    batch.run(check=True)  # published, and no section (as a run killed before writing it)
    batch.add(f'{name} late.jpg')
    batch.run(f'-log-page:{title}', check=True)
    batch.add(f'{name} last.jpg')
    batch.run(f'-log-page:{title}', check=True)
    assert gallery(wiki.page_text(title)) == [
        [f'File:{name} early.jpg', f'File:{name} late.jpg'],
        [f'File:{name} last.jpg'],
    ]
