"""A plain API client the tests use to look at the sandbox wiki.

It is deliberately not the bot's code: the tests check what the bot did
through an independent path (``requests`` and the API), as a person would.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests


class WikiAPI:
    """Read the wiki; log in as the admin to delete or edit when a test needs it."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.session = requests.Session()
        self.session.headers['User-Agent'] = 'uploadbot-tests/0.1'

    def get(self, **params: Any) -> dict[str, Any]:
        reply = self.session.get(
            self.api_url, params={'format': 'json', 'formatversion': 2, **params}, timeout=60
        )
        reply.raise_for_status()
        data = reply.json()
        assert 'error' not in data, data['error']
        return data

    def post(self, **params: Any) -> dict[str, Any]:
        reply = self.session.post(
            self.api_url, data={'format': 'json', 'formatversion': 2, **params}, timeout=120
        )
        reply.raise_for_status()
        return reply.json()

    def login(self, user: str, password: str) -> WikiAPI:
        token = self.get(action='query', meta='tokens', type='login')['query']['tokens']['logintoken']
        result = self.post(action='login', lgname=user, lgpassword=password, lgtoken=token)
        assert result['login']['result'] == 'Success', result['login'].get('reason')
        return self

    def csrf(self) -> str:
        return self.get(action='query', meta='tokens')['query']['tokens']['csrftoken']

    # -- files ---------------------------------------------------------------

    def file_versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of ``File:name``, newest first (empty when there is no file)."""
        page = self.get(
            action='query',
            titles=f'File:{name}',
            prop='imageinfo',
            iiprop='sha1|size|user|comment|timestamp',
            iilimit='max',
        )['query']['pages'][0]
        return page.get('imageinfo', [])

    def file_info(self, name: str) -> dict[str, Any] | None:
        versions = self.file_versions(name)
        return versions[0] if versions else None

    def page_text(self, title: str) -> str | None:
        page = self.get(action='query', titles=title, prop='revisions', rvprop='content', rvslots='main')[
            'query'
        ]['pages'][0]
        if page.get('missing'):
            return None
        return page['revisions'][0]['slots']['main']['content']

    def files_with_sha1(self, sha1: str) -> list[str]:
        images = self.get(action='query', list='allimages', aisha1=sha1)['query']['allimages']
        return [image['name'] for image in images]

    def upload_log(self, name: str) -> list[dict[str, Any]]:
        return self.get(
            action='query', list='logevents', letype='upload', letitle=f'File:{name}', lelimit='max'
        )['query']['logevents']

    def delete(self, title: str) -> None:
        result = self.post(action='delete', title=title, reason='test', token=self.csrf())
        assert 'delete' in result, result

    def edit(self, title: str, text: str) -> None:
        result = self.post(action='edit', title=title, text=text, token=self.csrf())
        assert result.get('edit', {}).get('result') == 'Success', result

    def create_tag(self, tag: str) -> None:
        """Define a change tag (as an administrator) and wait until the wiki lists it active."""
        answer = self.post(
            action='managetags', operation='create', tag=tag, reason='tests', token=self.csrf()
        )
        assert answer.get('managetags', {}).get('success'), answer
        deadline = time.monotonic() + 30
        while True:
            tags = self.get(action='query', list='tags', tgprop='defined|active', tglimit='max')['query'][
                'tags'
            ]
            if any(entry['name'] == tag and entry['defined'] and entry['active'] for entry in tags):
                return
            assert time.monotonic() < deadline, f'the tag {tag} never showed as active'
            time.sleep(0.5)

    def upload_tags(self, name: str) -> list[list[str]]:
        """The change tags of each upload of ``File:name`` in recent changes."""
        changes = self.get(
            action='query',
            list='recentchanges',
            rctitle=f'File:{name}',
            rctype='log',
            rcprop='title|tags|loginfo',
            rclimit='max',
        )
        return [
            change['tags']
            for change in changes['query']['recentchanges']
            if change.get('logtype') == 'upload'
        ]

    def upload(self, name: str, content: bytes, *, text: str = '') -> dict[str, Any]:
        """An upload by the admin (someone other than the bot), warnings ignored."""
        reply = self.session.post(
            self.api_url,
            data={
                'action': 'upload',
                'format': 'json',
                'formatversion': 2,
                'filename': name,
                'text': text,
                'comment': 'uploaded by the tests',
                'ignorewarnings': 1,
                'token': self.csrf(),
            },
            files={'file': (name, content)},
            timeout=120,
        )
        data = reply.json()
        assert data.get('upload', {}).get('result') == 'Success', data
        return data['upload']

    # -- raw uploads: the Upload API's answers, whatever they are ---------------

    def send_file(self, name: str, content: bytes, **params: Any) -> dict[str, Any]:
        """One ``action=upload`` with the whole file (``stash=True`` keeps it in the stash)."""
        return self._upload({'filename': name, **params}, files={'file': (name, content)})

    def send_chunks(
        self, name: str, content: bytes, *, chunk_size: int = 2048, **params: Any
    ) -> list[dict[str, Any]]:
        """The file into the stash chunk by chunk, as the bot sends it; every answer, in order.

        Stops at the first error, which is then the last answer.
        """
        answers: list[dict[str, Any]] = []
        filekey = None
        for offset in range(0, len(content), chunk_size):
            chunk = content[offset : offset + chunk_size]
            answer = self._upload(
                {
                    'filename': name,
                    'filesize': len(content),
                    'offset': offset,
                    'stash': True,
                    'ignorewarnings': True,
                    'filekey': filekey,
                    **params,
                },
                files={'chunk': (name, chunk)},
            )
            answers.append(answer)
            if 'error' in answer:
                break
            filekey = answer['upload']['filekey']
        return answers

    def commit(self, filekey: str, name: str, **params: Any) -> dict[str, Any]:
        """Publish a stashed file under ``name``."""
        return self._upload({'filekey': filekey, 'filename': name, **params})

    def check_status(self, filekey: str, *, timeout: float = 120) -> dict[str, Any]:
        """Poll ``checkstatus`` until the wiki's upload job for ``filekey`` has finished."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self._upload({'filekey': filekey, 'checkstatus': True})
            if answer.get('upload', {}).get('result') != 'Poll' or time.monotonic() > deadline:
                return answer
            time.sleep(0.3)

    def _upload(
        self,
        params: dict[str, Any],
        files: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # The API takes a boolean as present (any value) or absent.
        form = {
            key: 1 if value is True else value
            for key, value in params.items()
            if value is not None and value is not False
        }
        reply = self.session.post(
            self.api_url,
            data={'action': 'upload', 'format': 'json', 'formatversion': 2, 'token': self.csrf(), **form},
            files=files,
            timeout=120,
        )
        reply.raise_for_status()
        return reply.json()

    # -- AbuseFilter -----------------------------------------------------------

    def add_abuse_filter(self, name: str, rules: str, *, action: str) -> int:
        """Save an enabled AbuseFilter filter whose consequence is ``action``; returns its id.

        AbuseFilter 1.39 has no API to write filters, so the admin fills in
        ``Special:AbuseFilter/new`` as a person would. The save runs inside the
        wiki's web server, which also drops the server's cached filter list;
        a script or SQL from outside would leave that cache stale.
        """
        assert action in ('disallow', 'warn'), action
        index = self.api_url.replace('api.php', 'index.php')
        form = self.session.get(index, params={'title': 'Special:AbuseFilter/new'}, timeout=60)
        token = re.search(r'<input[^>]*value="([^"]+)"[^>]*name="wpEditToken"', form.text)
        assert token, 'no edit token on Special:AbuseFilter/new (is the admin logged in?)'
        message = 'abusefilter-warning' if action == 'warn' else 'abusefilter-disallowed'
        reply = self.session.post(
            index,
            params={'title': 'Special:AbuseFilter/new'},
            data={
                'wpEditToken': token.group(1),
                'wpFilterDescription': name,
                'wpFilterRules': rules,
                'wpFilterNotes': 'written by the tests',
                'wpFilterEnabled': '1',
                f'wpFilterAction{action.capitalize()}': '1',
                f'wpFilter{action.capitalize()}Message': message,
            },
            allow_redirects=False,
            timeout=60,
        )
        saved = parse_qs(urlsplit(reply.headers.get('Location', '')).query).get('changedfilter')
        assert reply.status_code in (301, 302, 303) and saved, (
            f'the filter {name!r} was not saved (HTTP {reply.status_code})'
        )
        return int(saved[0])
