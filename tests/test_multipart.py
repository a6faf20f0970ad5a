"""The streamed multipart body is what a standard form encoder would send."""

from __future__ import annotations

import email.parser
import email.policy

from uploadbot.api.multipart import MultipartBody


def parse(body: MultipartBody) -> dict[str, tuple[str | None, bytes]]:
    raw = b''.join(bytes(part) for part in body)
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f'Content-Type: {body.content_type}\r\n\r\n'.encode() + raw
    )
    return {
        part.get_param('name', header='content-disposition'): (
            part.get_filename(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


def test_fields_and_file_come_back_as_sent():
    content = bytes(range(256)) * 100
    body = MultipartBody(
        {'action': 'upload', 'filename': 'Ünïcode name.jpg'}, 'chunk', 'Ünïcode name.jpg', content
    )
    parts = parse(body)
    assert parts['action'] == (None, b'upload')
    assert parts['filename'] == (None, 'Ünïcode name.jpg'.encode())
    assert parts['chunk'] == ('Ünïcode name.jpg', content)


def test_length_is_the_number_of_bytes_sent():
    body = MultipartBody({'a': 'b'}, 'file', 'x.jpg', b'\x00' * 12345)
    assert len(body) == sum(len(bytes(part)) for part in body)


def test_the_file_bytes_are_not_copied():
    content = b'\xff' * 4096
    parts = list(MultipartBody({}, 'file', 'x.jpg', content))
    assert parts[1].obj is content


def test_a_body_can_be_sent_again():
    body = MultipartBody({'a': 'b'}, 'file', 'x.jpg', b'data')
    assert [bytes(p) for p in body] == [bytes(p) for p in body]
