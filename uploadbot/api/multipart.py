"""A ``multipart/form-data`` body that sends a chunk's bytes without copying them.

``requests`` builds a multipart body by writing every field, the file's
bytes included, into one new buffer: for a 4 MiB chunk that is 4 MiB more
memory and a copy per request. This body is instead a short head (the form
fields and the file part's header), the chunk itself as it was read, and a
short tail; it has a length, so it goes out with a ``Content-Length`` (not
chunked transfer encoding, which PHP's built-in server and some proxies do
not take), and it can be iterated again when a request is retried.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping


class MultipartBody:
    """Form fields plus one file, iterable as (head, content, tail)."""

    def __init__(self, fields: Mapping[str, str], file_field: str, filename: str, content: bytes) -> None:
        self.boundary = f'uploadbot-{secrets.token_hex(16)}'
        head = [_part_header(self.boundary, name) + _text(value) + b'\r\n' for name, value in fields.items()]
        head.append(_part_header(self.boundary, file_field, filename))
        self._head = b''.join(head)
        self._content = content
        self._tail = f'\r\n--{self.boundary}--\r\n'.encode()

    @property
    def content_type(self) -> str:
        return f'multipart/form-data; boundary={self.boundary}'

    def __len__(self) -> int:
        return len(self._head) + len(self._content) + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        yield memoryview(self._content)
        yield self._tail


def _part_header(boundary: str, name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{_quoted(name)}"'
    if filename is None:
        return f'--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n'.encode()
    return (
        f'--{boundary}\r\nContent-Disposition: {disposition}; '
        f'filename="{_quoted(filename)}"\r\n'
        'Content-Type: application/octet-stream\r\n\r\n'
    ).encode()


def _quoted(text: str) -> str:
    """A name inside a quoted header parameter (as browsers send form names)."""
    return text.replace('\\', '\\\\').replace('"', '%22').replace('\r', '%0D').replace('\n', '%0A')


def _text(value: str) -> bytes:
    return value.encode('utf-8')
