"""A fault-injecting HTTP proxy between the bot and the sandbox wiki.

The bot is pointed at the proxy (a pywikibot directory whose family names
the proxy's port); the proxy forwards each request to the wiki and, when a
rule matches, misbehaves the way networks and busy wikis do: the connection
reset before or after the wiki did the work, a 5xx or a 429 with
``Retry-After``, an answer held back past the client's timeout, a ``maxlag``
error, a bad token, a lost session cookie, or an answer held until the test
lets it go (to kill the bot while its request is in flight).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from .servers import reply, serve


@dataclass
class Request:
    """What the proxy saw of one request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        """A form field's value, from a urlencoded or multipart body (small fields only)."""
        text = self.body[:200_000].decode('latin-1')
        match = re.search(rf'name="{re.escape(name)}"\r\n\r\n(.*?)\r\n', text)
        if match:
            return match.group(1)
        match = re.search(rf'(?:^|&){re.escape(name)}=([^&]*)', text)
        return match.group(1) if match else None

    @property
    def action(self) -> str | None:
        return self.param('action')

    @property
    def is_chunk(self) -> bool:
        return b'name="chunk"' in self.body[:100_000]

    @property
    def is_commit(self) -> bool:
        """An upload that publishes: by filekey, not a status poll."""
        return (self.action == 'upload' and self.param('filekey') is not None
                and not self.is_chunk and self.param('checkstatus') is None)

    @property
    def is_direct_upload(self) -> bool:
        return self.action == 'upload' and b'name="file"' in self.body[:100_000]


@dataclass
class Fault:
    """A misbehaviour applied to the requests ``when`` accepts, ``times`` times."""

    kind: str
    when: Callable[[Request], bool]
    times: int = 1
    status: int = 503
    delay: float = 0.0
    retry_after: int = 1
    hit: int = 0


@dataclass
class FaultProxy:
    """A reverse proxy on 127.0.0.1 in front of ``upstream_port``."""

    upstream_port: int
    faults: list[Fault] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.server = serve(self._handle)
        self.port = self.server.server_address[1]

    def add(self, kind: str, when: Callable[[Request], bool] = lambda r: True,
            **options) -> Fault:
        fault = Fault(kind, when, **options)
        self.faults.append(fault)
        return fault

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    # -- forwarding ----------------------------------------------------------

    def _fault_for(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if fault.hit < fault.times and fault.when(request):
                fault.hit += 1
                return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        headers = {key: value for key, value in handler.headers.items()}
        request = Request(handler.command, handler.path, headers, body)
        self.seen.append(request)
        fault = self._fault_for(request)
        kind = fault.kind if fault else None
        if kind == 'reset-before':
            return _reset(handler)
        if kind in ('status', 'retry-after'):
            extra = {'Retry-After': str(fault.retry_after)} if kind == 'retry-after' else {}
            return reply(handler, fault.status, b'upstream trouble', extra)
        if kind == 'status-after':  # the wiki did the work; the gateway answers an error
            self._forward(request.method, request.path, headers, body)
            return reply(handler, fault.status, b'gateway trouble', {})
        if kind == 'maxlag':
            return reply(handler, 200, json.dumps({'error': {
                'code': 'maxlag', 'info': 'Waiting for a database server: 3 seconds lagged.',
                'lag': 3}}).encode(), {'Retry-After': '1', 'X-Database-Lag': '3',
                                       'Content-Type': 'application/json'})
        if kind == 'badtoken':
            return reply(handler, 200, json.dumps({'error': {
                'code': 'badtoken', 'info': 'Invalid CSRF token.'}}).encode(),
                {'Content-Type': 'application/json'})
        if kind == 'drop-cookie':
            headers.pop('Cookie', None)
        if kind == 'delay':
            time.sleep(fault.delay)
        status, reply_headers, reply_body = self._forward(request.method, request.path,
                                                          headers, body)
        if kind == 'reset-after':
            return _reset(handler)
        if kind == 'hold':
            self.holding.set()
            self.released.wait(120)
            return _reset(handler)
        reply(handler, status, reply_body, reply_headers)

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        connection = http.client.HTTPConnection('127.0.0.1', self.upstream_port, timeout=600)
        try:
            headers = {k: v for k, v in headers.items()
                       if k.lower() not in ('connection', 'keep-alive', 'proxy-connection')}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            keep = {k: v for k, v in response.getheaders()
                    if k.lower() not in ('transfer-encoding', 'connection', 'content-length',
                                         'keep-alive')}
            return response.status, keep, data
        finally:
            connection.close()


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset, no answer at all."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    handler.close_connection = True
    handler.connection.close()


def pywikibot_dir_through(proxy: FaultProxy, sandbox_dir: Path, target: Path) -> Path:
    """A copy of the sandbox's pywikibot directory whose family points at the proxy."""
    shutil.copytree(sandbox_dir, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns('*.lwp', 'logs', 'apicache*', 'throttle.ctrl'))
    family = target / 'families' / 'sandbox_family.py'
    family.write_text(re.sub(r"'127\.0\.0\.1:\d+'", f"'127.0.0.1:{proxy.port}'",
                             family.read_text()))
    (target / 'user-password.py').chmod(0o600)
    return target
