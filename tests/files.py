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
