"""Change tags, tracking categories, folders of folders and a declared pace, on the sandbox."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime

import pytest

from .conftest import SESSION, Batch
from .files import jpeg_bytes

pytestmark = pytest.mark.wiki


def test_a_tag_marks_every_upload_direct_and_chunked(batch, wiki, admin, name):
    tag = f'uploadbot-{SESSION}-batch'
    admin.create_tag(tag)
    batch.add(f'{name} small.jpg', size=3000)
    batch.add(f'{name} large.jpg', size=300_000)
    batch.run(f'-tag:{tag}', '-chunk-size:64Ki', check=True)
    for filename in (f'{name} small.jpg', f'{name} large.jpg'):
        assert batch.outcomes()[filename]['outcome'] == 'uploaded'
        assert wiki.upload_tags(filename) == [[tag]], filename


def test_a_missing_tag_is_refused_before_any_upload(batch, wiki, name):
    batch.add(f'{name}.jpg')
    result = batch.run('-tag:no-such-tag-anywhere')
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no change tag 'no-such-tag-anywhere'" in result.stderr
    assert 'Traceback' not in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


def test_a_tracking_category_is_added_to_every_page(batch, wiki, admin, name):
    category = f'Uploads {SESSION} tracked'
    admin.edit(f'Category:{category}', 'Tracking.')
    batch.add(f'{name} one.jpg')
    batch.add(f'{name} two.jpg')
    batch.run(f'-tracking-category:{category}', check=True)
    for filename in (f'{name} one.jpg', f'{name} two.jpg'):
        assert f'[[Category:{category}]]' in wiki.page_text(f'File:{filename}')


def test_a_missing_tracking_category_stops_the_batch_as_a_whole(batch, wiki, name):
    batch.add(f'{name}.jpg')
    result = batch.run(f'-tracking-category:Nowhere {SESSION} at all')
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        f"-tracking-category:Nowhere {SESSION} at all: the category 'Nowhere {SESSION} "
        "at all' does not exist" in result.stderr
    )
    assert 'the batch has problems; nothing was uploaded' in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None


def test_recursive_uploads_subfolders_and_files_them_by_folder(tmp_path, sandbox, wiki, admin, name):
    folder = tmp_path / 'incoming'
    for sub in ('Bridges', 'Towers'):
        admin.edit(f'Category:{SESSION} {sub}', 'Sorted by folder.')
        (folder / sub).mkdir(parents=True)
        (folder / sub / f'{name} {sub}.jpg').write_bytes(jpeg_bytes(2000, seed=(name, sub)))
    (folder / '.partial').mkdir()
    (folder / '.partial' / f'{name} hidden.jpg').write_bytes(jpeg_bytes(2000, seed=name))
    template = tmp_path / 'description.wiki'
    template.write_text(Batch.TEMPLATE + f'[[Category:{SESSION} {{{{{{folder}}}}}}]]\n')
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'uploadbot',
            f'-dir:{sandbox.pywikibot_dir}',
            f'-manifest:{folder}',
            f'-template:{template}',
            '-recursive',
            '-field:description=sorted by folder',
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for sub in ('Bridges', 'Towers'):
        text = wiki.page_text(f'File:{name} {sub}.jpg')
        assert f'[[Category:{SESSION} {sub}]]' in text
    assert wiki.file_info(f'{name} hidden.jpg') is None


def upload_times(wiki, filenames: list[str]) -> list[float]:
    times = []
    for filename in filenames:
        entries = wiki.upload_log(filename)
        assert len(entries) == 1, filename
        times.append(datetime.fromisoformat(entries[0]['timestamp'].replace('Z', '+00:00')).timestamp())
    return sorted(times)


def test_max_rate_holds_the_rate_across_workers(batch, wiki, name):
    count, per_minute = 61, 120
    filenames = [f'{name} {number:02d}.jpg' for number in range(count)]
    for filename in filenames:
        batch.add(filename, size=1500)
    started = time.monotonic()
    batch.run(f'-max-rate:{per_minute}/min', '-workers:3', check=True)
    elapsed = time.monotonic() - started
    times = upload_times(wiki, filenames)
    measured = (count - 1) / (times[-1] - times[0]) * 60
    print(
        f'max-rate {per_minute}/min: measured {measured:.1f}/min over {count} uploads '
        f"({times[-1] - times[0]:.0f} s by the wiki's log; the run took {elapsed:.1f} s)"
    )
    assert per_minute * 0.9 <= measured <= per_minute * 1.1


def test_check_tells_how_long_the_batch_takes_at_max_rate(batch, name):
    for number in range(3):
        batch.add(f'{name} {number}.jpg')
    result = batch.run('-check', '-max-rate:30/min')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'the wiki sets no upload rate limit for this account' in result.stdout
    assert 'at -max-rate: 30/min, 3 upload(s) take at least 4 s' in result.stdout


def test_a_tag_the_software_sets_is_refused_before_any_upload(batch, wiki, name):
    batch.add(f'{name}.jpg')
    result = batch.run('-tag:mw-undo')
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the change tag 'mw-undo' is set by the software" in result.stderr
    assert wiki.file_info(f'{name}.jpg') is None
