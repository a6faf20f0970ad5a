"""Small local thumbnails for the pages a person reviews: no request leaves the page.

Raster images are shrunk with Pillow, an SVG is shown as itself (an SVG in
``<img>`` runs no script), the first page of a PDF is drawn by ``pdftoppm``
where poppler is installed, and anything else gets a labelled placeholder.
Each thumbnail is named after its content's key, so a report rebuilt later
makes none twice.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

#: The longest side of a thumbnail, in pixels.
SIZE = 120

_PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
    'viewBox="0 0 {size} {size}"><rect width="100%" height="100%" fill="#eaecf0"/>'
    '<text x="50%" y="50%" font-family="sans-serif" font-size="16" fill="#54595d" '
    'text-anchor="middle" dominant-baseline="middle">{label}</text></svg>\n'
)


class Thumbnails:
    """Makes thumbnails into ``folder``; :meth:`for_file` answers the name to link to."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pdftoppm = shutil.which('pdftoppm')

    def for_file(self, path: Path | None, key: str = '') -> str:
        """The thumbnail's path relative to ``folder``'s parent, made when missing."""
        if path is None or not path.is_file():
            return self.placeholder('no file')
        suffix = path.suffix.lower()
        key = key or hashlib.sha1(f'{path.resolve()}:{path.stat().st_mtime_ns}'.encode()).hexdigest()
        if suffix == '.svg':
            return self._made(f'{key}.svg', lambda target: shutil.copyfile(path, target))
        if suffix == '.pdf':
            if not self._pdftoppm:
                return self.placeholder('PDF')
            return self._made(f'{key}.png', lambda target: self._pdf(path, target), fallback='PDF')
        return self._made(
            f'{key}.jpg', lambda target: _raster(path, target), fallback=suffix.lstrip('.').upper() or 'file'
        )

    def placeholder(self, label: str) -> str:
        """A grey square naming what could not be drawn (one file per label)."""
        name = 'placeholder-' + hashlib.sha1(label.encode()).hexdigest()[:12] + '.svg'
        target = self.folder / name
        if not target.exists():
            target.write_text(_PLACEHOLDER.format(size=SIZE, label=escape(label)), encoding='utf-8')
        return f'{self.folder.name}/{name}'

    def _made(self, name: str, make, fallback: str = 'file') -> str:
        target = self.folder / name
        if not target.exists():
            try:
                make(target)
            except Exception:
                target.unlink(missing_ok=True)
                return self.placeholder(fallback)
        return f'{self.folder.name}/{name}'

    def _pdf(self, path: Path, target: Path) -> None:
        stem = target.with_suffix('')
        subprocess.run(
            [
                self._pdftoppm,
                '-png',
                '-singlefile',
                '-f',
                '1',
                '-l',
                '1',
                '-scale-to',
                str(SIZE),
                str(path),
                str(stem),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )


def _raster(path: Path, target: Path) -> None:
    from PIL import Image  # only where thumbnails are made

    with Image.open(path) as image:
        image.thumbnail((SIZE, SIZE))
        image.convert('RGB').save(target, 'JPEG', quality=75)
