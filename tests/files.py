"""Test files that MediaWiki accepts: real images, any size, distinct for every seed.

Tests share one wiki, so every file must differ from every other (a SHA1 the
wiki has seen gives a ``duplicate`` warning). The seed that makes it differ
holds the test's name, and the name holds the session's random prefix
(``conftest.SESSION``), so no test's outcome may depend on the seed beyond the
file being distinct. A seed therefore changes one thing only: its mark, 32 hex
digits (:func:`mark`) in a JPEG comment, a PNG text chunk or a BMP's first
pixels. Every other byte — the image, the padding after its end — is the same
for every seed. Hex digits spell no HTML tag, no script and no file signature,
so what MediaWiki makes of a file (its type from the header, its script checks
on the first KB, each chunk on its own) is the same for every seed; a PNG's
text chunk adds its 4-byte checksum, too short to complete any of them.
``tests/test_files.py`` checks this over many seeds and session prefixes.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image
from PIL.PngImagePlugin import PngInfo

#: The colour of every small test image.
COLOUR = (70, 130, 180)
#: Bytes of no type MediaWiki knows (PHP's finfo says application/octet-stream), the
#: same on every run: for files the wiki must refuse for their name, not their content.
NO_KNOWN_TYPE = random.Random('of no known type').randbytes(5000)


def mark(seed: object) -> str:
    """What makes a seed's file distinct: 32 hex digits."""
    return hashlib.sha256(repr(seed).encode()).hexdigest()[:32]


def _filler(size: int) -> bytes:
    """The padding after a JPEG's end: fixed bytes of no pattern, the same for every seed."""
    return random.Random(size).randbytes(size)


def jpeg_bytes(size: int, *, seed: object = 0) -> bytes:
    """A valid JPEG of exactly ``size`` bytes, distinct for every ``seed``.

    A small real image carrying the seed's mark as its comment, then fixed
    padding after its end marker: MediaWiki's checks read the header.
    """
    buffer = io.BytesIO()
    Image.new('RGB', (16, 16), COLOUR).save(buffer, 'JPEG', quality=90, comment=mark(seed).encode())
    head = buffer.getvalue()
    if size < len(head):
        raise ValueError(f'a JPEG needs at least {len(head)} bytes')
    return head + _filler(size - len(head))


def photo_with_exif(
    *,
    taken: str | None = '2019:05:06 07:08:09',
    place: tuple[float, float] | None = (52.52, -13.41),
    seed: object = 0,
) -> bytes:
    """A JPEG with an EXIF date taken and GPS coordinates, as a camera writes them."""
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if place:

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            minutes = (value - int(value)) * 60
            return (float(int(value)), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))

        latitude, longitude = place
        exif.get_ifd(0x8825).update(
            {
                1: 'N' if latitude >= 0 else 'S',
                2: dms(latitude),
                3: 'E' if longitude >= 0 else 'W',
                4: dms(longitude),
            }
        )
    buffer = io.BytesIO()
    Image.new('RGB', (16, 16), COLOUR).save(buffer, 'JPEG', exif=exif, comment=mark(seed).encode())
    return buffer.getvalue()


def _pixels(side: int, noise: bool) -> Image.Image:
    """One colour, or (``noise``) fixed random pixels that compress badly, for size."""
    if not noise:
        return Image.new('RGB', (side, side), COLOUR)
    return Image.frombytes('RGB', (side, side), random.Random(side).randbytes(side * side * 3))


def png_bytes(seed: object, *, side: int = 8, noise: bool = False) -> bytes:
    """A PNG carrying the seed's mark in a text chunk (written before the pixels)."""
    info = PngInfo()
    info.add_text('Comment', mark(seed))
    buffer = io.BytesIO()
    _pixels(side, noise).save(buffer, 'PNG', pnginfo=info)
    return buffer.getvalue()


def bmp_bytes(seed: object, *, side: int = 8, noise: bool = False) -> bytes:
    """A BMP whose first pixels' bytes are the seed's mark (a BMP has no comment)."""
    image = _pixels(side, noise)
    data = bytearray(image.tobytes())
    digits = mark(seed).encode()
    data[: len(digits)] = digits
    buffer = io.BytesIO()
    Image.frombytes('RGB', image.size, bytes(data)).save(buffer, 'BMP')
    return buffer.getvalue()
