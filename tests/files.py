"""Test files that MediaWiki accepts: real JPEG headers, any size, unique bytes."""

from __future__ import annotations

import io
import random

from PIL import Image


def jpeg_bytes(size: int, *, seed: object = 0) -> bytes:
    """A valid JPEG of exactly ``size`` bytes whose content depends on ``seed``.

    A small real image, then pseudo-random padding after its end marker:
    MediaWiki's checks read the header, and no two seeds give the same SHA1.
    """
    rng = random.Random(repr(seed))
    color = tuple(rng.randrange(256) for _ in range(3))
    buffer = io.BytesIO()
    Image.new('RGB', (16, 16), color).save(buffer, 'JPEG', quality=90)
    head = buffer.getvalue()
    if size < len(head):
        raise ValueError(f'a JPEG needs at least {len(head)} bytes')
    return head + rng.randbytes(size - len(head))


def photo_with_exif(*, taken: str | None = '2019:05:06 07:08:09',
                    place: tuple[float, float] | None = (52.52, -13.41), seed: object = 0) -> bytes:
    """A JPEG with an EXIF date taken and GPS coordinates, as a camera writes them."""
    rng = random.Random(repr(seed))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if place:
        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            minutes = (value - int(value)) * 60
            return (float(int(value)), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))
        latitude, longitude = place
        exif.get_ifd(0x8825).update({1: 'N' if latitude >= 0 else 'S', 2: dms(latitude),
                                     3: 'E' if longitude >= 0 else 'W', 4: dms(longitude)})
    buffer = io.BytesIO()
    Image.new('RGB', (16, 16), tuple(rng.randrange(256) for _ in range(3))).save(
        buffer, 'JPEG', exif=exif)
    return buffer.getvalue()
