"""A fault-injecting HTTP proxy between the bot and the sandbox wiki.

The bot is pointed at the proxy (a pywikibot directory whose family names
the proxy's port); the proxy forwards each request to the wiki and, when a
rule matches, misbehaves the way networks and busy wikis do: the connection
reset before or after the wiki did the work, a 5xx or a 429 with
``Retry-After``, an answer held back past the client's timeout, a ``maxlag``
error, a bad token, a lost session cookie, or an answer held until the test
lets it go (to kill the bot while its request is in flight).

With :meth:`FaultProxy.chaos` it also misbehaves at random, from the very
first request on (site set-up and login included), the way Wikimedia's edge
does in trouble: resets, 429/502/503 with an HTML error page, a JSON answer
whose ``error`` is a plain string, stalls past the client's timeout.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import shutil
import socket
import struct
import threading
import time
from collections import Counter
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
        return (
            self.action == 'upload'
            and self.param('filekey') is not None
            and not self.is_chunk
            and self.param('checkstatus') is None
        )

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


#: The page Wikimedia's edge serves with a 5xx or 429 (abridged).
ERROR_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b'<title>Wikimedia Error</title></head><body><div class="content">'
    b'<h1>Error</h1><p>Our servers are currently under maintenance or experiencing '
    b'a technical issue. Please try again in a few minutes.</p></div></body></html>\n'
)

#: What :meth:`FaultProxy.chaos` picks from, with the fields of its fault.
CHAOS_KINDS = (
    ('reset-before', {}),
    ('reset-after', {}),
    ('status', {'status': 429, 'retry_after': 1}),
    ('status', {'status': 502}),
    ('status', {'status': 503, 'retry_after': 1}),
    ('string-error', {}),
    ('stall', {}),
)


@dataclass
class Chaos:
    """Random faults on about ``rate`` of all requests, counted by kind."""

    rate: float
    seed: int
    stall: float
    injected: Counter = field(default_factory=Counter)
    #: (the request's number, its action, the fault) for every fault injected.
    log: list[tuple[int, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.lock = threading.Lock()

    def pick(self, number: int, request: Request) -> Fault | None:
        with self.lock:
            if self.random.random() >= self.rate:
                return None
            kind, fields = self.random.choice(CHAOS_KINDS)
            label = f'{kind} {fields.get("status", "")}'.strip()
            self.injected[label] += 1
            self.log.append((number, request.action or '?', label))
        return Fault(kind, lambda request: True, delay=self.stall, **fields)


@dataclass
class FaultProxy:
    """A reverse proxy on 127.0.0.1 in front of ``upstream_port``."""

    upstream_port: int
    faults: list[Fault] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    random_faults: Chaos | None = None

    def __post_init__(self) -> None:
        self.server = serve(self._handle)
        self.port = self.server.server_address[1]

    def add(self, kind: str, when: Callable[[Request], bool] = lambda r: True, **options) -> Fault:
        fault = Fault(kind, when, **options)
        self.faults.append(fault)
        return fault

    def chaos(self, rate: float, *, seed: int, stall: float) -> Chaos:
        """Misbehave at random on about ``rate`` of the requests; a stall lasts ``stall`` s."""
        self.random_faults = Chaos(rate, seed, stall)
        return self.random_faults

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
        if self.random_faults is None:
            return None
        return self.random_faults.pick(len(self.seen), request)

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
            extra = {'Content-Type': 'text/html; charset=utf-8'}
            if kind == 'retry-after' or fault.status == 429:
                extra['Retry-After'] = str(fault.retry_after)
            return reply(handler, fault.status, ERROR_PAGE, extra)
        if kind == 'string-error':
            return reply(
                handler,
                200,
                json.dumps({'error': 'Too many requests, slow down'}).encode(),
                {'Content-Type': 'application/json'},
            )
        if kind == 'stall':  # no answer until the client has given up
            time.sleep(fault.delay)
            return _reset(handler)
        if kind == 'status-after':  # the wiki did the work; the gateway answers an error
            self._forward(request.method, request.path, headers, body)
            return reply(handler, fault.status, b'gateway trouble', {})
        if kind == 'maxlag':
            return reply(
                handler,
                200,
                json.dumps(
                    {
                        'error': {
                            'code': 'maxlag',
                            'info': 'Waiting for a database server: 3 seconds lagged.',
                            'lag': 3,
                        }
                    }
                ).encode(),
                {'Retry-After': '1', 'X-Database-Lag': '3', 'Content-Type': 'application/json'},
            )
        if kind == 'badtoken':
            return reply(
                handler,
                200,
                json.dumps({'error': {'code': 'badtoken', 'info': 'Invalid CSRF token.'}}).encode(),
                {'Content-Type': 'application/json'},
            )
        if kind == 'abusefilter-warning':  # AbuseFilter's answer to a filter that warns
            return reply(
                handler,
                200,
                json.dumps(
                    {
                        'error': {
                            'code': 'abusefilter-warning',
                            'info': 'Warning: This action has been automatically identified as harmful.',
                            'abusefilter': {
                                'id': 7,
                                'description': 'Uploads need a licence template',
                                'actions': ['warn'],
                            },
                        }
                    }
                ).encode(),
                {'Content-Type': 'application/json'},
            )
        if kind == 'drop-cookie':
            headers.pop('Cookie', None)
        if kind == 'delay':
            time.sleep(fault.delay)
        status, reply_headers, reply_body = self._forward(request.method, request.path, headers, body)
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
            headers = {
                k: v
                for k, v in headers.items()
                if k.lower() not in ('connection', 'keep-alive', 'proxy-connection')
            }
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            keep = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ('transfer-encoding', 'connection', 'content-length', 'keep-alive')
            }
            return response.status, keep, data
        finally:
            connection.close()


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset, no answer at all."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    handler.close_connection = True
    handler.connection.close()


def pywikibot_dir_through(
    proxy: FaultProxy, sandbox_dir: Path, target: Path, *, socket_timeout: float | None = None
) -> Path:
    """A copy of the sandbox's pywikibot directory whose family points at the proxy.

    ``socket_timeout`` sets pywikibot's own read timeout (so a stall is noticed soon).
    """
    shutil.copytree(
        sandbox_dir,
        target,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns('*.lwp', 'logs', 'apicache*', 'throttle.ctrl'),
    )
    family = target / 'families' / 'sandbox_family.py'
    family.write_text(re.sub(r"'127\.0\.0\.1:\d+'", f"'127.0.0.1:{proxy.port}'", family.read_text()))
    (target / 'user-password.py').chmod(0o600)
    if socket_timeout is not None:
        with open(target / 'user-config.py', 'a') as config:
            config.write(f'socket_timeout = ({socket_timeout}, {socket_timeout})\n')
    return target
