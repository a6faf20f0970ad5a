"""What a photograph says about itself: the date it was taken, and where.

With ``-exif`` an empty ``date`` field is filled from the image's EXIF
(``DateTimeOriginal``, else ``DateTime``) and a ``{{Location|lat|lon}}``
template is added after ``{{Information}}`` when the image has GPS
coordinates and the page has no location yet. The EXIF is read with Pillow
(the ``exif`` extra): it reads the EXIF of JPEG, TIFF, PNG and WebP files,
GPS block included, without decoding the pixels, and it is the imaging
library a Python uploader most likely has already.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mwparserfromhell

from uploadbot.errors import InputError

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME, _DATETIME_ORIGINAL = 0x0132, 0x9003
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4


@dataclass(frozen=True)
class PhotoFacts:
    """The date and place an image's EXIF gives (None where it gives nothing)."""

    date: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def read_exif(path: Path) -> PhotoFacts:
    """The EXIF date and GPS position of an image; empty facts for other files."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise InputError('-exif needs Pillow: pip install "uploadbot[exif]"') from None
    try:
        with Image.open(path) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError):
        return PhotoFacts()
    stamp = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    gps = exif.get_ifd(_GPS_IFD)
    latitude = _degrees(gps.get(_LAT), gps.get(_LAT_REF), 'S')
    longitude = _degrees(gps.get(_LON), gps.get(_LON_REF), 'W')
    return PhotoFacts(_iso(stamp), latitude, longitude)


def add_location(text: str, latitude: float, longitude: float) -> str:
    """``text`` with ``{{Location|lat|lon}}`` after its ``{{Information}}`` (or at the end).

    A page that has a ``{{Location}}`` already is left as it is.
    """
    code = mwparserfromhell.parse(text)
    if code.filter_templates(matches=lambda t: t.name.matches('Location')):
        return text
    location = f'\n{{{{Location|{latitude:.6f}|{longitude:.6f}}}}}'
    information = code.filter_templates(recursive=False, matches=lambda t: t.name.matches('Information'))
    if information:
        code.insert_after(information[0], location)
        return str(code)
    return text.rstrip('\n') + location + '\n'


def _iso(stamp: object) -> str | None:
    """EXIF's ``2021:05:04 10:20:30`` as ``2021-05-04 10:20:30``."""
    if not isinstance(stamp, str) or len(stamp) < 10 or stamp.startswith('0000'):
        return None
    return stamp[:10].replace(':', '-') + stamp[10:].rstrip('\x00')


def _degrees(value: object, reference: object, negative: str) -> float | None:
    """Degrees, minutes, seconds (rationals) to signed decimal degrees."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    return -decimal if str(reference).strip().upper() == negative else decimal
