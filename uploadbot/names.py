"""Checks of target file names, so bad names are caught before any upload starts.

The rules follow MediaWiki's own handling of upload names (UploadBase::getTitle,
wfStripIllegalFilenameChars, MediaWikiTitleCodec::splitTitleString):

* the name is cut at 240 bytes of UTF-8 (the archive name adds a timestamp);
* a ``File:`` or ``Image:`` prefix is dropped;
* every character outside $wgLegalTitleChars (``# < > [ ] | { }``, U+0000-U+001F,
  U+007F) and every character of $wgIllegalFileChars (``: / \\``) is replaced by ``-``;
* ``%XX`` sequences, ``&name;`` character references, ``~~~`` and U+FFFD make the
  title invalid;
* the name needs an extension and something before it.

All functions are pure.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

MAX_NAME_BYTES = 240

# Characters MediaWiki replaces with '-' in upload names: everything outside
# $wgLegalTitleChars (for non-ASCII everything is legal) plus $wgIllegalFileChars.
_REPLACED = re.compile(r'[\x00-\x1f\x7f#<>\[\]|{}:/\\]')
_BIDI = re.compile(r'[\u200e\u200f\u202a-\u202e]')
_SPACES = re.compile(r'[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+')
_FILE_PREFIX = re.compile(r'^(?:file|image)[ _]*:[ _]*', re.IGNORECASE)
_PERCENT = re.compile(r'%[0-9A-Fa-f]{2}')
_ENTITY = re.compile(r'&[A-Za-z0-9\x80-\U0010ffff]+;')

_FAMILIES = (
    frozenset({'jpg', 'jpeg', 'jpe'}),
    frozenset({'tif', 'tiff'}),
    frozenset({'ogg', 'oga', 'ogv', 'opus'}),
    frozenset({'mpg', 'mpeg'}),
    frozenset({'djvu', 'djv'}),
    frozenset({'png'}),
    frozenset({'gif'}),
    frozenset({'webp'}),
    frozenset({'pdf'}),
    frozenset({'webm'}),
    frozenset({'wav'}),
    frozenset({'flac'}),
    frozenset({'mp3'}),
    frozenset({'svg'}),
    frozenset({'stl'}),
)


def _describe(char: str) -> str:
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f'the control character U+{ord(char):04X}'
    return repr(char)


def check_target_name(name: str) -> list[str]:
    """Say what MediaWiki would change or refuse, so the user can fix the manifest first.

    Only normalisation (spaces, underscores, first letter, NFC) passes silently.
    """
    changes, refusals, _ = _examine(name)
    return changes + refusals


def name_refusals(name: str) -> list[str]:
    """The problems MediaWiki would refuse a name for (not those it mends itself).

    Characters it replaces and prefixes it drops are mended by the wiki, which
    then warns ``badfilename`` with the name it suggests: the policy decides
    about those at the commit.
    """
    return _examine(name)[1]


def title_and_refusals(name: str) -> tuple[str, list[str]]:
    """:func:`normalize_title` of ``name`` and its :func:`name_refusals`, normalized once.

    A batch checks every target name and compares the titles (two rows must not
    share one): a name the wiki would not mend is normalized once for both.
    """
    stripped = name.strip()
    changes, refusals, title = _examine(stripped)
    if changes or title is None or stripped != name:
        title = normalize_title(name)
    return title, refusals


def name_changes(name: str) -> list[str]:
    """What MediaWiki would mend in a name (and answer with ``badfilename``)."""
    return _examine(name)[0]


def _examine(name: str) -> tuple[list[str], list[str], str | None]:
    """(what MediaWiki would change, what it would refuse, the mended title) about a name."""
    name = name.strip()
    if not name:
        return [], ['the name is empty'], None
    changes: list[str] = []
    refusals: list[str] = []
    prefix = _FILE_PREFIX.match(name)
    if prefix:
        changes.append(f'the prefix {prefix.group(0)!r} would be dropped')
        name = name[prefix.end() :]
    size = len(name.encode('utf-8'))
    if size > MAX_NAME_BYTES:
        refusals.append(f'the name is {size} bytes of UTF-8; MediaWiki allows at most {MAX_NAME_BYTES}')
    seen = []
    for match in _REPLACED.finditer(name):
        if match.group(0) not in seen:
            seen.append(match.group(0))
    changes.extend(f"{_describe(char)} would be replaced by '-'" for char in seen)
    filtered = _REPLACED.sub('-', name)
    if _BIDI.search(filtered):
        changes.append('the invisible direction marks (U+200E, U+200F, U+202A-U+202E) would be removed')
    for match in _PERCENT.finditer(filtered):
        refusals.append(f'{match.group(0)!r} looks like percent-encoding, which MediaWiki forbids in titles')
    for match in _ENTITY.finditer(filtered):
        refusals.append(
            f'{match.group(0)!r} looks like an HTML character reference, which MediaWiki forbids in titles'
        )
    if '~~~' in filtered:
        refusals.append("'~~~' (a signature) is forbidden in titles")
    if '\ufffd' in filtered:
        refusals.append('U+FFFD (the replacement character) is forbidden in titles')
    title = normalize_title(filtered)
    if not extension(title):
        refusals.append('the name has no extension')
    elif not title.split('.')[0] and title.count('.') == 1:
        refusals.append('the name has nothing before its extension')
    return changes, refusals, title


def normalize_title(name: str) -> str:
    """MediaWiki's canonical form of a title, so names compare as the wiki compares them.

    NFC, direction marks removed, '_' and Unicode spaces collapsed to one space,
    stripped, first letter upper-cased as with $wgCapitalLinks (a letter whose
    upper case is two letters, like 'ß', is kept, as Wikimedia wikis do).
    """
    text = unicodedata.normalize('NFC', name)
    text = _BIDI.sub('', text)
    text = _SPACES.sub(' ', text).strip()
    if not text:
        return text
    first = text[0].upper()
    return (first if len(first) == 1 else text[0]) + text[1:]


def derive_filename(path_or_url: str) -> str:
    """The source's own base name, the natural default when the manifest gives no filename."""
    parts = urlsplit(path_or_url)
    if parts.scheme and (parts.netloc or parts.scheme == 'file') and len(parts.scheme) > 1:
        return unquote(parts.path.rsplit('/', 1)[-1]).strip()
    return re.split(r'[\\/]', path_or_url)[-1].strip()


def extension(name: str) -> str:
    """The final extension as MediaWiki sees it: after the last dot, lower-case."""
    if '.' not in name:
        return ''
    return name.rsplit('.', 1)[1].strip().lower()


def _is_svg(head: bytes) -> bool:
    text = head.decode('utf-8', 'ignore').lstrip('\ufeff \t\r\n')
    return text.startswith('<') and re.search(r'<(?:\w+:)?svg[\s>/]', text) is not None


def _is_mp3_frame(head: bytes) -> bool:
    # MPEG audio frame sync, layer III, not the reserved version.
    return (
        len(head) >= 2
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and head[1] & 0x06 == 0x02
        and head[1] & 0x18 != 0x08
    )


def detect_content_type(head: bytes) -> str | None:
    """The file type from its first bytes, to catch a file given the wrong extension.

    Pass at least the first 4 KiB. Returns an extension, or None when unknown
    (a binary STL has no magic number, so it is unknown).
    """
    riff = head[8:12] if head[:4] == b'RIFF' else b''
    # Tried in order, each only if those before it did not match: most files are
    # images whose signature is among the first (the SVG test decodes the head).
    signatures = (
        (lambda: head.startswith(b'\xff\xd8\xff'), 'jpg'),
        (lambda: head.startswith(b'\x89PNG\r\n\x1a\n'), 'png'),
        (lambda: head[:6] in (b'GIF87a', b'GIF89a'), 'gif'),
        (lambda: head[:4] in (b'II*\x00', b'MM\x00*', b'II+\x00', b'MM\x00+'), 'tif'),
        (lambda: riff == b'WEBP', 'webp'),
        (lambda: riff == b'WAVE', 'wav'),
        (lambda: b'%PDF-' in head[:1024], 'pdf'),
        (lambda: head[:8] == b'AT&TFORM' and head[12:15] == b'DJV', 'djvu'),
        (lambda: head.startswith(b'OggS'), 'ogg'),
        (lambda: head.startswith(b'\x1a\x45\xdf\xa3') and b'webm' in head[:64], 'webm'),
        (lambda: head.startswith(b'fLaC'), 'flac'),
        (lambda: head.startswith(b'ID3') or _is_mp3_frame(head), 'mp3'),
        (lambda: head[:4] in (b'\x00\x00\x01\xba', b'\x00\x00\x01\xb3'), 'mpg'),
        (lambda: re.match(rb'\s*solid(?:\s|$)', head[:512]) is not None, 'stl'),
        (lambda: _is_svg(head), 'svg'),
    )
    return next((kind for matches, kind in signatures if matches()), None)


def _family(ext: str) -> frozenset[str] | None:
    return next((family for family in _FAMILIES if ext in family), None)


def content_matches_extension(ext: str, head: bytes) -> bool | None:
    """Whether the bytes fit the extension; None when we cannot tell either way."""
    expected = _family(ext.lower().lstrip('.'))
    found = detect_content_type(head)
    if expected is None or found is None:
        return None
    return found in expected
