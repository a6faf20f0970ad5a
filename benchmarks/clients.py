"""What runs inside the benchmark's measured processes: the clients and a request counter.

Every tool runs in a process of its own, so that its wall time, CPU time and
peak RSS are measured the same way (the parent waits for it with ``os.wait4``).
Nothing heavy is imported at module level: the raw client's process is the
floor the other tools are compared with, so it must carry nothing but
``requests``. The same :func:`install_counter` hook runs in all three tools
(uploadbot gets it through a generated ``sitecustomize``), so the split of
requests into session set-up and uploads, and the bytes of file content sent,
are counted the same way for everyone; the total is also taken from the
wiki's server log by the parent.
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import re
import sys
import time
from pathlib import Path

#: A form field ``action=upload``, urlencoded or as a multipart part (requests
#: writes CRLF, pywikibot's email-built bodies LF; part headers may come first).
_UPLOAD_ACTION = re.compile(
    rb'(?:^|&)action=upload(?:&|$)|'
    rb'name="action"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\nupload\r?\n'
)
#: A multipart part that carries file content (direct upload or chunk).
_FILE_PARTS = (b'name="file"; filename=', b'name="chunk"; filename=')


def install_counter(path: str) -> None:
    """Count every HTTP request this process sends; write the counts to ``path`` at exit.

    Wraps ``requests.adapters.HTTPAdapter.send``, which every request of all
    three tools passes through (pywikibot's session is a ``requests.Session``).
    ``setup`` is the number of requests sent before the first ``action=upload``:
    login, tokens, site information — the fixed cost of a run, not of a file.
    """
    from requests.adapters import HTTPAdapter

    counts = {
        'requests': 0,
        'uploads': 0,
        'file_bytes': 0,
        'body_bytes': 0,
        'setup': None,
        'first_upload': None,
        'started': time.time(),
    }
    original = HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        body = request.body or b''
        if isinstance(body, str):
            body = body.encode('utf-8')
        size = len(body)
        if not isinstance(body, bytes):  # uploadbot's streamed multipart body:
            body = bytes(next(iter(body)))  # its first part holds the form fields
        counts['requests'] += 1
        counts['body_bytes'] += size
        head = body[:65536]
        if _UPLOAD_ACTION.search(head) or 'action=upload' in (request.url or ''):
            counts['uploads'] += 1
            if counts['setup'] is None:
                counts['setup'] = counts['requests'] - 1
                counts['first_upload'] = time.time()
            if any(part in head for part in _FILE_PARTS):
                counts['file_bytes'] += size
        return original(self, request, *args, **kwargs)

    HTTPAdapter.send = send
    atexit.register(lambda: Path(path).write_text(json.dumps({**counts, **peak_rss()})))


def peak_rss() -> dict:
    """This process's own peak RSS in KiB (``VmHWM``), when Linux tells it.

    ``ru_maxrss`` of a waited-for child also counts the parent's memory at the
    fork (Linux carries the high-water mark across ``exec``), so a parent
    that wrote a big file would raise every tool's figure alike.
    """
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return {'peak_rss_kb': int(line.split()[1])}
    except OSError:
        pass
    return {}


def bot_password(pywikibot_dir: str) -> tuple[str, str]:
    """Login name ``User@suffix`` and secret from pywikibot's ``user-password.py``.

    The file holds one expression, ``('User', BotPassword('suffix', 'secret'))``;
    it is parsed, never executed.
    """
    text = (Path(pywikibot_dir) / 'user-password.py').read_text()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and isinstance(node.elts[1], ast.Call)
            and getattr(node.elts[1].func, 'id', '') == 'BotPassword'
        ):
            user = ast.literal_eval(node.elts[0])
            suffix, secret = (ast.literal_eval(arg) for arg in node.elts[1].args[:2])
            return f'{user}@{suffix}', secret
    raise ValueError(f'no BotPassword in {pywikibot_dir}/user-password.py')


class RawClient:
    """The floor: the fewest requests the Upload API allows, with nothing around them.

    Login token, login, one CSRF token, then one POST per small file, or one
    per chunk and one commit per large file. No retries, no checks, no journal.
    """

    def __init__(self, api_url: str, pywikibot_dir: str) -> None:
        import requests

        self.api_url = api_url
        self.session = requests.Session()
        self.session.headers['User-Agent'] = 'uploadbot-benchmark-raw/1.0'
        name, secret = bot_password(pywikibot_dir)
        login_token = self._call('GET', action='query', meta='tokens', type='login')['query']['tokens'][
            'logintoken'
        ]
        login = self._call('POST', action='login', lgname=name, lgpassword=secret, lgtoken=login_token)[
            'login'
        ]
        if login.get('result') != 'Success':
            raise RuntimeError(f'login failed: {login}')
        tokens = self._call('GET', action='query', meta='tokens')['query']['tokens']
        self.token = tokens['csrftoken']

    def _call(self, method: str, files: dict | None = None, **params) -> dict:
        params = {'format': 'json', 'formatversion': '2', **params}
        reply = self.session.request(
            method,
            self.api_url,
            timeout=(10, 600),
            files=files,
            params=params if method == 'GET' else None,
            data=params if method == 'POST' else None,
        )
        reply.raise_for_status()
        data = reply.json()
        if 'error' in data:
            raise RuntimeError(f'{data["error"].get("code")}: {data["error"].get("info")}')
        return data

    def upload(self, path: str, name: str, text: str, comment: str, chunk_size: int) -> None:
        """One file, direct when it fits in a chunk (as uploadbot and pywikibot decide)."""
        size = os.path.getsize(path)
        common = {'action': 'upload', 'filename': name, 'token': self.token, 'ignorewarnings': '1'}
        with open(path, 'rb') as source:
            if size <= chunk_size:
                reply = self._call(
                    'POST', files={'file': (name, source.read())}, text=text, comment=comment, **common
                )['upload']
            else:
                offset, filekey = 0, None
                while True:
                    source.seek(offset)
                    extra = {'filekey': filekey} if filekey else {}
                    reply = self._call(
                        'POST',
                        files={'chunk': (name, source.read(chunk_size))},
                        stash='1',
                        filesize=size,
                        offset=offset,
                        **extra,
                        **common,
                    )['upload']
                    filekey = reply.get('filekey', filekey)
                    if reply['result'] != 'Continue':
                        break
                    offset = reply['offset']
                if reply['result'] != 'Success':
                    raise RuntimeError(f'{name}: last chunk answered {reply}')
                reply = self._call('POST', filekey=filekey, text=text, comment=comment, **common)['upload']
        if reply['result'] != 'Success':
            raise RuntimeError(f'{name}: {reply}')


def run_raw(spec: dict) -> None:
    """The floor's run: one login, then the files one after the other."""
    client = RawClient(spec['api_url'], spec['pywikibot_dir'])
    for item in spec['files']:
        client.upload(item['path'], item['name'], item['text'], spec['comment'], spec['chunk_size'])


def run_pywikibot(spec: dict) -> None:
    """pywikibot's own ``APISite.upload``, as a script using pywikibot would call it."""
    os.environ['PYWIKIBOT_DIR'] = spec['pywikibot_dir']
    import pywikibot

    pywikibot.config.put_throttle = 0
    site = pywikibot.Site()
    site.login()
    for item in spec['files']:
        page = pywikibot.FilePage(site, 'File:' + item['name'])
        if not site.upload(
            page,
            source_filename=item['path'],
            summary=spec['comment'],
            text=item['text'],
            ignore_warnings=True,
            chunk_size=spec['chunk_size'],
        ):
            raise RuntimeError(f'pywikibot did not upload {item["name"]}')


def run_mwclient(spec: dict) -> None:
    """mwclient's ``Site.upload``, as a script using mwclient would call it (``pip install .[bench]``).

    mwclient sends a file larger than ``Site.chunk_size`` in chunks through the stash.
    """
    from urllib.parse import urlsplit

    import mwclient

    parts = urlsplit(spec['api_url'])
    site = mwclient.Site(
        parts.netloc,
        path=parts.path.rsplit('/', 1)[0] + '/',
        scheme=parts.scheme,
        clients_useragent='uploadbot-benchmark-mw/1.0',
    )
    site.chunk_size = spec['chunk_size']
    site.login(*bot_password(spec['pywikibot_dir']))
    for item in spec['files']:
        with open(item['path'], 'rb') as source:
            reply = site.upload(
                source, filename=item['name'], description=item['text'], comment=spec['comment'], ignore=True
            )
        reply = (reply or {}).get('upload', reply or {})  # a chunked upload's whole answer
        if reply.get('result') != 'Success':
            raise RuntimeError(f'mwclient did not upload {item["name"]}: {reply}')


def worker(args: list[str]) -> int:
    """``bench.py --worker raw|mw|pwb SPEC.json COUNTS.json``: one measured run."""
    tool, spec_path, counts_path = args
    install_counter(counts_path)
    spec = json.loads(Path(spec_path).read_text())
    {'raw': run_raw, 'mw': run_mwclient, 'pwb': run_pywikibot}[tool](spec)
    return 0


#: The ``sitecustomize.py`` that puts the counter into ``python -m uploadbot``.
SITECUSTOMIZE = """import importlib.util, os
_spec = importlib.util.spec_from_file_location('_bench_clients', {path!r})
_clients = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_clients)
_clients.install_counter(os.environ['BENCH_COUNTS'])
"""


def write_sitecustomize(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    """A folder to put first on ``PYTHONPATH``: the counter, loaded before uploadbot starts."""
    text = SITECUSTOMIZE.format(path=str(Path(__file__).resolve()))
    (folder / 'sitecustomize.py').write_text(text)
    return folder


if __name__ == '__main__':
    sys.exit(worker(sys.argv[1:]))
