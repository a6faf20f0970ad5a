"""The commit out of the stash, where the wiki's warnings meet the policy.

The wiki answers a commit without ``ignorewarnings`` either ``Success`` or
``Warning`` with the warning codes and a fresh ``filekey``. The policy turns
the codes into one action (the strictest wins):

- ``upload``, ``new-version``, ``new-version-any``: commit the key again with
  ``ignorewarnings`` (``new-version`` only over the bot's own file);
- ``rename``: commit the key under the next free name (for ``badfilename``,
  the name the wiki suggests) — which may meet new warnings, so round again;
- ``skip``: leave the wiki as it is and say what the file collides with;
- ``hold``: leave the file in the stash for a person, with its key;
- ``abort``: stop the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from . import journal as jr
from . import lookup
from . import outcome as oc
from .policy import EXISTENCE_WARNINGS
from .retry import Uncertain
from .transfer import APIError, Reply, Transfer

if TYPE_CHECKING:
    from .task import UploadItem

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

#: Warnings about a file already under the target name: committing over it
#: makes a new version.
SAME_NAME = EXISTENCE_WARNINGS | {'nochange', 'duplicateversions'}


@dataclass(frozen=True)
class Settlement:
    """How a row ended: an outcome with its title, message and leftovers."""

    kind: str
    title: str = ''
    message: str = ''
    url: str = ''
    filekey: str = ''
    warnings: tuple[str, ...] = ()

    def noted(self, note: str) -> Settlement:
        """The same settlement with ``note`` added to its message."""
        return replace(self, message='; '.join(filter(None, (self.message, note))))


class BatchAborted(Exception):
    """The policy said ``abort``: the row is recorded, then the batch stops."""

    def __init__(self, settlement: Settlement) -> None:
        super().__init__(settlement.message)
        self.settlement = settlement
        self.outcome: Any = None


class Commit:
    """Commits one stashed file and follows the policy to a settlement."""

    def __init__(self, transfer: Transfer, item: UploadItem, *, own_user: str,
                 save: Callable[..., None], sha1: str,
                 claims: lookup.NameClaims | None = None, asynchronous: bool = False) -> None:
        self.transfer = transfer
        self.item = item
        self.own_user = own_user
        self.save = save
        self.sha1 = sha1
        self.claims = claims or lookup.NameClaims()
        self.asynchronous = asynchronous
        self.filename = item.filename
        self.seen: list[str] = []

    def send(self, filekey: str, filename: str, *, ignorewarnings: bool = False) -> Reply:
        """Record the commit, then send it."""
        self.filename = filename
        self.save(state=jr.COMMITTING, filekey=filekey, title=f'File:{filename}')
        reply = self._publish(lambda: self.transfer.commit(
            filekey, filename, text=self.item.text, comment=self.item.comment,
            ignorewarnings=ignorewarnings, asynchronous=self.asynchronous))
        if reply.result == 'Poll':  # the wiki publishes in a job
            reply = self.transfer.await_job(filekey)
        return reply

    def direct(self, content: bytes) -> Reply:
        """Record, then send a whole small file in one request that may publish it."""
        self.save(state=jr.COMMITTING, filekey='', title=f'File:{self.filename}')
        return self._publish(lambda: self.transfer.upload(
            self.filename, content, text=self.item.text, comment=self.item.comment))

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
        raise APIError('uncertain', f'{problem}, {MAX_UNCERTAIN} times; the file is not '
                       'on the wiki')

    def landed(self, filename: str, *, since: float) -> dict[str, Any] | None:
        """The current version of ``filename`` if it is these bytes, by the bot, since ``since``.

        That is how an upload whose answer was lost is recognised.
        """
        info = lookup.current_versions(self.transfer, [filename]).get(filename)
        if not info or info.get('sha1') != self.sha1 or info.get('user') != self.own_user:
            return None
        uploaded = datetime.fromisoformat(info['timestamp'].replace('Z', '+00:00'))
        return info if uploaded.timestamp() >= since else None

    def settle(self, reply: Reply) -> Settlement:
        """Follow the wiki's answers through the policy to a settlement."""
        kind = oc.UPLOADED
        for _ in range(MAX_COMMIT_ROUNDS):
            if reply.result == 'Success':
                return self._published(reply, kind)
            if reply.result != 'Warning' or not reply.filekey:
                raise APIError('unexpected-reply', f'the commit was answered {reply.result!r}')
            self.save(state=jr.STASHED, filekey=reply.filekey)
            warnings = dict(reply.warnings)
            self.seen.extend(code for code in warnings if code not in self.seen)
            decision = self.item.policy.decide(warnings)
            action, code = decision.action, decision.code
            reason = f'{code}: {describe_warning(code, warnings.get(code))}'
            if action == 'skip':
                same = 'nochange' in warnings
                return self._settled(oc.UNCHANGED if same else oc.SKIPPED, reason,
                                     title=f'File:{self.filename}' if same else '')
            if action == 'hold':
                return self._held(reply.filekey, reason)
            if action == 'abort':
                raise BatchAborted(self._settled(oc.ABORTED, f'{reason}; the policy says abort'))
            if action == 'rename':
                kind = oc.RENAMED
                reply = self.send(reply.filekey, self._new_name(code, warnings))
                continue
            if action == 'new-version' and not self._own_file(warnings):
                return self._settled(oc.SKIPPED, f"{reason}; its current version is not the "
                                     "bot's own (new-version-any would overwrite it)")
            if SAME_NAME & warnings.keys():
                kind = oc.NEW_VERSION
            try:
                reply = self._overwrite(reply.filekey)
            except APIError as error:
                if error.code != 'fileexists-no-change':
                    raise
                return self._settled(oc.UNCHANGED, 'the current version has these bytes '
                                     'already', title=f'File:{self.filename}')
        return self._settled(oc.FAILED, f'still warned after {MAX_COMMIT_ROUNDS} commits: '
                             f'{";".join(self.seen)}')

    def _overwrite(self, filekey: str) -> Reply:
        """Commit with ``ignorewarnings``, waiting out a clash of archive names.

        MediaWiki names an old version by the second it was replaced in; a
        new version within the same second as the last one fails with
        ``backend-fail-alreadyexists`` (and stashes the file again under a
        new key): a second later it goes through.
        """
        for attempt in range(ARCHIVE_CLASH_RETRIES + 1):
            try:
                return self.send(filekey, self.filename, ignorewarnings=True)
            except APIError as error:
                if error.code != 'backend-fail-alreadyexists' or attempt == ARCHIVE_CLASH_RETRIES:
                    raise
                filekey = error.filekey or filekey
                time.sleep(1.1)
        raise AssertionError('unreachable')

    def before_bytes(self, sha1: str) -> Settlement | None:
        """Settle a row whose content the wiki already has, without sending it.

        Asks for files with this SHA1; when the policy skips (or aborts on)
        the warning the commit would bring, the row ends here.
        """
        warnings = lookup.content_warnings(self.filename,
                                           lookup.files_with_sha1(self.transfer, sha1))
        if not warnings:
            return None
        decision = self.item.policy.decide(warnings)
        if decision.action not in ('skip', 'abort'):
            return None
        self.seen.extend(warnings)
        reason = (f'{decision.code}: {describe_warning(decision.code, warnings[decision.code])}'
                  ' (found before sending any bytes)')
        if decision.action == 'abort':
            raise BatchAborted(self._settled(oc.ABORTED, f'{reason}; the policy says abort'))
        same = 'nochange' in warnings
        return self._settled(oc.UNCHANGED if same else oc.SKIPPED, reason,
                             title=f'File:{self.filename}' if same else '')

    # -- actions -----------------------------------------------------------------

    def _new_name(self, code: str, warnings: Mapping[str, Any]) -> str:
        suggestion = warnings.get(code)
        if code == 'badfilename' and isinstance(suggestion, str) and suggestion:
            return suggestion.replace('_', ' ')
        return self.claims.claim_free_name(self.transfer, self.filename)

    def _own_file(self, warnings: Mapping[str, Any]) -> bool:
        """Whether the file's current version was uploaded by the bot's own account."""
        info = lookup.current_versions(self.transfer, [self.filename]).get(self.filename)
        return bool(info) and info.get('user') == self.own_user

    # -- settlements -------------------------------------------------------------

    def _published(self, reply: Reply, kind: str) -> Settlement:
        info = reply.imageinfo
        title = f'File:{(reply.filename or self.filename).replace("_", " ")}'
        if info.get('sha1') and self.sha1 and info['sha1'] != self.sha1:
            return self._settled(oc.FAILED, f'the wiki holds SHA1 {info["sha1"]} but the file '
                                 f'read {self.sha1}: did it change while uploading?', title=title)
        return self._settled(kind, '', title=title, url=info.get('descriptionurl', ''))

    def _held(self, filekey: str, reason: str) -> Settlement:
        expires = datetime.now(timezone.utc) + STASH_LIFETIME
        return self._settled(oc.HELD, f'{reason}; held in the stash as {filekey} until about '
                             f'{expires:%Y-%m-%d %H:%M} UTC (it expires then)', filekey=filekey)

    def _settled(self, kind: str, message: str, **details: str) -> Settlement:
        return Settlement(kind, message=message, warnings=tuple(self.seen), **details)


def describe_warning(code: str | None, value: Any) -> str:
    """What a warning collides with, in words for the report."""
    if code == 'duplicate' and isinstance(value, list):
        return 'same content as ' + ', '.join(f'File:{name.replace("_", " ")}' for name in value)
    if code == 'nochange':
        return 'the current version has these bytes'
    if code == 'duplicateversions':
        return 'an older version of this file has these bytes'
    if code == 'bad-prefix':
        return f'the name starts with a camera prefix ({value})'
    if isinstance(value, str) and value:
        return f'File:{value.replace("_", " ")}'
    return 'no details' if value in (None, '', [], {}, True) else str(value)
