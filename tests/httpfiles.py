"""A small HTTP server on 127.0.0.1 that serves files for URL rows, well and badly.

Routes (NAME is a file put in ``files``):

    /files/NAME       the file, with its type, Content-Length and Range support
    /missing          404
    /loop             a redirect to itself
    /slow/NAME        the file after a pause longer than the client's timeout
    /cut/NAME         half the file, then the connection closes; a Range request
                      for the rest is served (so a resuming client gets it all)
    /cut-always/NAME  half the file, then closes, whatever is asked
    /html/NAME        an HTML page where the name promises an image
"""

from __future__ import annotations

import mimetypes
import re
import time
from http.server import BaseHTTPRequestHandler

from .servers import reply, serve


class FileServer:
    """Serves ``files`` (name -> bytes) until :meth:`close`; counts requests per path."""

    def __init__(self, files: dict[str, bytes], *, pause: float = 3.0) -> None:
        self.files = files
        self.pause = pause
        self.requests: list[str] = []
        self.httpd = serve(self._route)
        self.port = self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f'http://127.0.0.1:{self.port}{path}'

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _route(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests.append(handler.path)
        kind, _, name = handler.path.lstrip('/').partition('/')
        data = self.files.get(name)
        if kind == 'loop':
            return reply(handler, 302, b'', {'Location': '/loop'})
        if data is None:
            return reply(handler, 404, b'not here', {'Content-Type': 'text/plain'})
        content_type = mimetypes.guess_type(name)[0] or 'application/octet-stream'
        if kind == 'html':
            return reply(
                handler,
                200,
                b'<html><body>Not an image</body></html>',
                {'Content-Type': 'text/html; charset=utf-8'},
            )
        if kind == 'slow':
            time.sleep(self.pause)
        start = _range_start(handler.headers.get('Range'))
        if kind in ('cut', 'cut-always') and (start is None or kind == 'cut-always'):
            head = {'Content-Type': content_type, 'Content-Length': str(len(data)), 'Accept-Ranges': 'bytes'}
            handler.send_response(200)
            for key, value in head.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return None
        if start is not None and kind in ('files', 'cut'):
            rest = data[start:]
            return reply(
                handler,
                206,
                rest,
                {
                    'Content-Type': content_type,
                    'Accept-Ranges': 'bytes',
                    'Content-Range': f'bytes {start}-{len(data) - 1}/{len(data)}',
                },
            )
        return reply(handler, 200, data, {'Content-Type': content_type, 'Accept-Ranges': 'bytes'})


def _range_start(header: str | None) -> int | None:
    match = re.match(r'bytes=(\d+)-$', header or '')
    return int(match.group(1)) if match else None
