"""A file over 4 GiB goes up in chunks, with the bot's memory flat (``make test-slow``).

Commons takes files up to 5 GiB. MediaWiki's file-system backend, which the
sandbox uses, stores at most 4 GiB per file (``FileBackendStore::$maxFileSize``);
Commons' Swift backend takes 5 GiB. The sandbox of this test therefore uses
the same file-system backend with Commons' limit, declared in its
LocalSettings. The file is sparse (a JPEG head, then zeros), so making it
costs no disk; the wiki stores it for real, a few times over while it
assembles the chunks (the test says how much).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from uploadbot.sandbox import Sandbox

from .conftest import Batch
from .files import jpeg_bytes
from .wikiapi import WikiAPI

pytestmark = [pytest.mark.wiki, pytest.mark.slow]

FIVE_GIB_BACKEND = r"""
class UploadbotFiveGiBBackend extends FSFileBackend {
	protected $maxFileSize = 5368709120;
}
$wgFileBackends[] = [
	'name' => 'local-backend',
	'class' => UploadbotFiveGiBBackend::class,
	'lockManager' => 'fsLockManager',
	'containerPaths' => [
		'local-public' => __DIR__ . '/images',
		'local-thumb' => __DIR__ . '/images/thumb',
		'local-transcoded' => __DIR__ . '/images/transcoded',
		'local-deleted' => __DIR__ . '/images/deleted',
		'local-temp' => __DIR__ . '/images/temp',
	],
	'fileMode' => 0644,
	'directoryMode' => 0777,
];
"""

SIZE = 4 * 1024**3 + 1024**2 + 7  # over 4 GiB, not a whole number of chunks
DISK_NEEDED = 14 * 1024**3  # the stash's chunks, the assembled file, the published one


@pytest.fixture(scope='module')
def large_wiki(tmp_path_factory):
    """A sandbox that stores files up to 5 GiB; removed with everything it stored."""
    directory = tmp_path_factory.mktemp('large')
    free = shutil.disk_usage(directory).free
    if free < DISK_NEEDED:
        short = f'needs {DISK_NEEDED / 2**30:.0f} GiB of free disk, has {free / 2**30:.1f}'
        if os.environ.get('CI'):  # CI must run it: a skip there would pass unseen
            pytest.fail(short)
        pytest.skip(short)
    box = Sandbox(directory, workers=2, extra_settings=FIVE_GIB_BACKEND)
    info = box.start()
    yield info
    box.stop()
    shutil.rmtree(directory, ignore_errors=True)


def disk_used(folder: Path) -> int:
    """Bytes really stored under ``folder`` (allocated blocks, so sparse files count as such)."""
    total = 0
    for root, _, files in os.walk(folder):
        for file in files:
            try:
                total += os.lstat(os.path.join(root, file)).st_blocks * 512
            except OSError:
                pass
    return total


class PeakDisk(threading.Thread):
    """The most disk the wiki's folder used while the upload ran, sampled every second."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder = folder
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.peak = max(self.peak, disk_used(self.folder))


def sha1_of(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, 'rb') as source:
        for block in iter(lambda: source.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def run_bot(batch: Batch, wiki) -> tuple[int, int, str]:
    """Run the bot on ``batch``; its exit code, its own peak RSS in bytes and its output."""
    out_path, err_path = batch.folder / 'out.txt', batch.folder / 'err.txt'
    with open(out_path, 'w') as out, open(err_path, 'w') as err:
        process = subprocess.Popen(
            [
                sys.executable,
                '-m',
                'uploadbot',
                f'-dir:{wiki.pywikibot_dir}',
                f'-manifest:{batch.manifest}',
                f'-template:{batch.template}',
                f'-report:{batch.report}',
            ],
            stdout=out,
            stderr=err,
            cwd=batch.folder,
        )
        _, status, usage = os.wait4(process.pid, 0)  # this child's peak RSS, from the kernel
    output = out_path.read_text() + err_path.read_text()
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024, output


def test_a_file_over_4_gib_goes_up_in_chunks_with_flat_memory(tmp_path, large_wiki, name):
    # The baseline: the same bot, the same chunk size, a file of three chunks.
    (tmp_path / 'small').mkdir()
    small = Batch(tmp_path / 'small', large_wiki)
    small.add(f'{name} small.jpg', content=jpeg_bytes(3000, seed=(name, 'small')))
    os.truncate(small.folder / f'1-{name} small.jpg', 10 * 2**20)
    small.write()
    code, baseline_rss, output = run_bot(small, large_wiki)
    assert code == 0, output

    (tmp_path / 'large').mkdir()
    batch = Batch(tmp_path / 'large', large_wiki)
    source = batch.add(f'{name}.jpg', content=jpeg_bytes(3000, seed=name))
    os.truncate(source, SIZE)  # sparse: the rest reads as zeros
    batch.write()
    wiki_folder = Path(large_wiki.pywikibot_dir).parent
    watcher = PeakDisk(wiki_folder)
    watcher.start()
    started = time.monotonic()
    code, peak_rss, output = run_bot(batch, large_wiki)
    elapsed = time.monotonic() - started
    watcher.done.set()
    watcher.join()
    assert code == 0, output
    row = batch.outcomes()[f'{name}.jpg']
    print(
        f'\n{SIZE} bytes in {row["chunks"]} chunks: {elapsed:.0f} s, '
        f'{SIZE / elapsed / 2**20:.1f} MiB/s; bot peak RSS {peak_rss / 2**20:.0f} MiB '
        f'(10 MiB file: {baseline_rss / 2**20:.0f} MiB); wiki disk peak '
        f'{watcher.peak / 2**30:.1f} GiB, after {disk_used(wiki_folder) / 2**30:.1f} GiB'
    )
    assert row['outcome'] == 'uploaded', output
    info = WikiAPI(large_wiki.api_url).file_info(f'{name}.jpg')
    assert info['size'] == SIZE
    assert info['sha1'] == sha1_of(source)
    # Memory flat: 400 times the bytes, within a fifth of the small run's peak.
    assert peak_rss < baseline_rss * 1.2, (peak_rss, baseline_rss)
