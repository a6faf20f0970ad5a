"""The test files differ from seed to seed in their mark of hex digits only.

Seeds hold test names, and test names hold the session's random prefix
(``conftest.SESSION``): these tests check, over many prefixes, that a file's
content depends on its seed only in being distinct, so no test's outcome can
depend on the prefix. (test_session_prefix.py runs the refusal tests on the
wiki under two prefixes as well.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import pytest

from .conftest import Batch
from .files import bmp_bytes, jpeg_bytes, mark, photo_with_exif, png_bytes

HEX = frozenset(b'0123456789abcdef')
#: Session prefixes across the whole range of ``secrets.token_hex(2)``.
PREFIXES = [f'{number:04x}' for number in range(0, 2**16, 331)]
#: The seeds tests give, as the ``name`` fixture and Batch.add make them.
SEEDS = [
    seed
    for prefix in PREFIXES
    for seed in (f'T{prefix} prohibited extension', (f'T{prefix} a.jpg', 0), (f'T{prefix} b', 'theirs'))
]

MAKERS: dict[str, Callable[[object], bytes]] = {
    'jpeg': lambda seed: jpeg_bytes(3000, seed=seed),
    'jpeg in three chunks': lambda seed: jpeg_bytes(5000, seed=seed),
    'photo with exif': lambda seed: photo_with_exif(seed=seed),
    'bmp': bmp_bytes,
    'bmp of noise': lambda seed: bmp_bytes(seed, side=48, noise=True),
    'png': png_bytes,
    'png of noise': lambda seed: png_bytes(seed, side=48, noise=True),
}


def png_chunks(content: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Each chunk of a PNG: its type, where it starts and where it ends (checksum included)."""
    at = 8
    while at < len(content):
        length = int.from_bytes(content[at : at + 4], 'big')
        yield content[at + 4 : at + 8], at, at + 12 + length
        at += 12 + length


def free_span(content: bytes, seed: object) -> range:
    """Where a file may differ in more than hex digits: a PNG's text chunk (its checksum)."""
    for kind, start, end in png_chunks(content) if content.startswith(b'\x89PNG') else ():
        if kind == b'tEXt':
            assert content[start + 8 : end - 4] == b'Comment\x00' + mark(seed).encode()
            return range(start, end)
    return range(0)


@pytest.mark.parametrize('kind', sorted(MAKERS))
def test_files_of_two_seeds_differ_only_in_the_marks_hex_digits(kind):
    make = MAKERS[kind]
    reference_seed = SEEDS[0]
    reference = make(reference_seed)
    free = free_span(reference, reference_seed)
    for seed in SEEDS[1:]:
        content = make(seed)
        assert len(content) == len(reference) and content != reference
        assert free_span(content, seed) == free
        odd = [
            at
            for at, (one, other) in enumerate(zip(reference, content))
            if one != other and not ({one, other} <= HEX) and at not in free
        ]
        assert odd == [], (kind, seed)


@pytest.mark.parametrize('kind', sorted(MAKERS))
def test_files_of_different_seeds_are_distinct(kind):
    assert len({hashlib.sha1(MAKERS[kind](seed)).digest() for seed in SEEDS}) == len(SEEDS)


def test_batch_files_differ_only_in_hex_digits_whatever_the_session_prefix(tmp_path):
    """Batch.add seeds each file with its target name, which holds the prefix."""
    batch = Batch(tmp_path, None)  # only writes files: no wiki
    contents = [batch.add(f'T{prefix} photo.jpg').read_bytes() for prefix in PREFIXES]
    for content in contents[1:]:
        assert content != contents[0]
        assert {
            byte for one, other in zip(contents[0], content) if one != other for byte in (one, other)
        } <= HEX
