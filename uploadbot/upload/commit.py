"""The commit out of the stash, where the wiki's warnings meet the policy.

The wiki answers a commit without ``ignorewarnings`` either ``Success`` or
``Warning`` with the warning codes and a fresh ``filekey``.
:func:`uploadbot.decision.decide` turns the codes into a verdict, and the
commit acts on it:

- publish (``upload``, ``new-version``, ``new-version-any``): commit the key
  again with ``ignorewarnings``;
- ``rename``: commit the key under the next free name (for ``badfilename``,
  the name the wiki suggests) — which may meet new warnings, so round again;
- otherwise the row ends there: skipped or unchanged (the wiki as it was),
  held in the stash for a person, or aborted (the batch stops).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from uploadbot.api import lookup
from uploadbot.api.answers import Reply, WikiError
from uploadbot.api.protocol import Transfer
from uploadbot.api.retry import Uncertain
from uploadbot.decision import Verdict, decide
from uploadbot.errors import BatchStop, ExitCode
from uploadbot.item import UploadItem
from uploadbot.state import State

from .recorder import Recorder

#: How long MediaWiki keeps a stashed file ($wgUploadStashMaxAge's default).
STASH_LIFETIME = timedelta(hours=6)

#: A renamed file may meet new warnings; past this many commits the row fails.
MAX_COMMIT_ROUNDS = 8

#: Publishing requests whose fate stayed unknown before the row fails.
MAX_UNCERTAIN = 3

#: Commits retried when a new version clashes with the archive name of the last.
ARCHIVE_CLASH_RETRIES = 3

#: Allowed difference between this machine's clock and the wiki's, in seconds.
CLOCK_SKEW = 300


@dataclass(frozen=True)
class Settlement:
    """How a row ended: an outcome with its title, message and leftovers."""

    kind: State
    title: str = ''
    message: str = ''
    url: str = ''
    filekey: str = ''
    warnings: tuple[str, ...] = ()

    def noted(self, note: str) -> Settlement:
        """The same settlement with ``note`` added to its message."""
        return replace(self, message='; '.join(filter(None, (self.message, note))))


class BatchAborted(BatchStop):
    """The policy said ``abort``: the row is recorded, then the batch stops."""

    exit_code = ExitCode.ABORTED

    def __init__(self, settlement: Settlement) -> None:
        super().__init__(settlement.message)
        self.settlement = settlement
        self.outcome: Any = None


class Commit:
    """Commits one row's stashed file and follows the verdicts to a settlement."""

    def __init__(
        self,
        transfer: Transfer,
        item: UploadItem,
        recorder: Recorder,
        *,
        own_user: str,
        claims: lookup.NameClaims | None = None,
        asynchronous: bool = False,
    ) -> None:
        self.transfer = transfer
        self.item = item
        self.recorder = recorder
        self.own_user = own_user
        self.claims = claims or lookup.NameClaims()
        self.asynchronous = asynchronous
        self.filename = item.filename
        self.seen: list[str] = []

    def send(self, filekey: str, filename: str, *, ignorewarnings: bool = False) -> Reply:
        """Record, then commit ``filekey`` under ``filename``."""
        self.filename = filename
        self.recorder.committing(filekey, filename)
        reply = self._publish(
            lambda: self.transfer.commit(
                filekey,
                filename,
                text=self.item.text,
                comment=self.item.comment,
                ignorewarnings=ignorewarnings,
                asynchronous=self.asynchronous,
            )
        )
        if reply.result == 'Poll':  # the wiki publishes in a job
            reply = self.transfer.await_job(filekey)
        return reply

    def direct(self, content: bytes) -> Reply:
        """Record, then send a whole small file in one request that may publish it."""
        self.recorder.committing('', self.filename)
        return self._publish(
            lambda: self.transfer.upload(
                self.filename, content, text=self.item.text, comment=self.item.comment
            )
        )

    def _publish(self, send: Callable[[], Reply]) -> Reply:
        """Send a publishing request; when its fate is unknown, look before sending again."""
        since = time.time()
        for _ in range(MAX_UNCERTAIN):
            try:
                return send()
            except Uncertain as error:
                problem = error
                info = self.landed(self.filename, since=since - CLOCK_SKEW)
                if info is not None:
                    return Reply('Success', filename=self.filename, imageinfo=info)
        raise WikiError('uncertain', f'{problem}, {MAX_UNCERTAIN} times; the file is not on the wiki')

    def landed(self, filename: str, *, since: float) -> dict[str, Any] | None:
        """The current version of ``filename`` if it is these bytes, by the bot, since ``since``.

        That is how an upload whose answer was lost is recognised.
        """
        info = lookup.current_versions(self.transfer, [filename]).get(filename)
        if not info or info.get('sha1') != self.recorder.sha1 or info.get('user') != self.own_user:
            return None
        uploaded = datetime.fromisoformat(info['timestamp'].replace('Z', '+00:00'))
        return info if uploaded.timestamp() >= since else None

    def settle(self, reply: Reply) -> Settlement:
        """Follow the wiki's answers through the verdicts to a settlement."""
        kind = State.UPLOADED
        for _ in range(MAX_COMMIT_ROUNDS):
            if reply.result == 'Success':
                return self._published(reply, kind)
            if reply.result != 'Warning' or not reply.filekey:
                raise WikiError('unexpected-reply', f'the commit was answered {reply.result!r}')
            self.recorder.stashed(reply.filekey)
            warnings = dict(reply.warnings)
            self._saw(warnings)
            verdict = self._decide(warnings)
            if verdict.outcome is State.RENAMED:
                kind = State.RENAMED
                reply = self.send(reply.filekey, self._new_name(verdict.code, warnings))
                continue
            if not verdict.publishes:
                return self._ended(verdict, reply.filekey)
            if kind is not State.RENAMED:
                kind = verdict.outcome
            reply = self._overwrite(reply.filekey)
        return self._settled(
            State.FAILED, f'still warned after {MAX_COMMIT_ROUNDS} commits: {";".join(self.seen)}'
        )

    def before_bytes(self) -> Settlement | None:
        """Settle a row whose content the wiki already has, without sending it.

        Asks for files with the row's SHA1; when the verdict on the warnings
        the commit would bring ends the row (skip, unchanged, abort), it ends
        here, before a byte is sent.
        """
        warnings = lookup.content_warnings(
            self.filename, lookup.files_with_sha1(self.transfer, self.recorder.sha1)
        )
        if not warnings:
            return None
        verdict = self._decide(warnings)
        if verdict.outcome not in (State.SKIPPED, State.UNCHANGED, State.ABORTED):
            return None
        self._saw(warnings)
        return self._ended(replace(verdict, reason=f'{verdict.reason} (found before sending any bytes)'), '')

    def _decide(self, warnings: Mapping[str, Any]) -> Verdict:
        return decide(self.item.policy, warnings, is_own=self._own_file)

    def _saw(self, warnings: Mapping[str, Any]) -> None:
        self.seen.extend(code for code in warnings if code not in self.seen)

    def _overwrite(self, filekey: str) -> Reply:
        """Commit with ``ignorewarnings``, waiting out a clash of archive names.

        MediaWiki names an old version by the second it was replaced in; a
        new version within the same second as the last one fails with
        ``backend-fail-alreadyexists`` (and stashes the file again under a
        new key): a second later it goes through.
        """
        for _ in range(ARCHIVE_CLASH_RETRIES):
            try:
                return self.send(filekey, self.filename, ignorewarnings=True)
            except WikiError as error:
                if error.code != 'backend-fail-alreadyexists':
                    raise
                filekey = error.filekey or filekey
                time.sleep(1.1)
        return self.send(filekey, self.filename, ignorewarnings=True)

    def _new_name(self, code: str | None, warnings: Mapping[str, Any]) -> str:
        suggestion = warnings.get(code) if code else None
        if code == 'badfilename' and isinstance(suggestion, str) and suggestion:
            return suggestion.replace('_', ' ')
        return self.claims.claim_free_name(self.transfer, self.filename)

    def _own_file(self) -> bool:
        """Whether the file's current version was uploaded by the bot's own account."""
        info = lookup.current_versions(self.transfer, [self.filename]).get(self.filename)
        return bool(info) and info.get('user') == self.own_user

    # -- settlements -------------------------------------------------------------

    def _ended(self, verdict: Verdict, filekey: str) -> Settlement:
        """A verdict that does not publish: the row ends with the wiki as it was."""
        if verdict.outcome is State.ABORTED:
            raise BatchAborted(self._settled(State.ABORTED, verdict.reason))
        if verdict.outcome is State.HELD:
            expires = datetime.now(timezone.utc) + STASH_LIFETIME
            return self._settled(
                State.HELD,
                f'{verdict.reason}; held in the stash as '
                f'{filekey} until about {expires:%Y-%m-%d %H:%M} UTC (it '
                'expires then)',
                filekey=filekey,
            )
        title = f'File:{self.filename}' if verdict.outcome is State.UNCHANGED else ''
        return self._settled(verdict.outcome, verdict.reason, title=title)

    def _published(self, reply: Reply, kind: State) -> Settlement:
        info = reply.imageinfo
        title = f'File:{(reply.filename or self.filename).replace("_", " ")}'
        sha1 = self.recorder.sha1
        if info.get('sha1') and sha1 and info['sha1'] != sha1:
            return self._settled(
                State.FAILED,
                f'the wiki holds SHA1 {info["sha1"]} but the '
                f'file read {sha1}: did it change while uploading?',
                title=title,
            )
        return self._settled(kind, '', title=title, url=info.get('descriptionurl', ''))

    def _settled(self, kind: State, message: str, **details: str) -> Settlement:
        return Settlement(kind, message=message, warnings=tuple(self.seen), **details)
