"""What a commit's warnings lead to under a policy: one function for the run and the forecast.

The wiki answers a commit out of the stash with warning codes; the policy
turns them into one action (see :mod:`uploadbot.policy`). :func:`decide`
goes one step further and says what the row *becomes*: the commit acts on
that verdict, and ``-check`` reports the same verdict for the warnings it
expects, so a forecast and a run cannot disagree.

An action publishes a **new version** only where a file already sits under
the target name (``exists``, which ``nochange`` and ``duplicateversions``
always accompany). The other existence warnings name a *different* file or
only a page: committing there makes the file's first version, ``uploaded``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .policy import VERSIONABLE, Policy
from .state import State

_NOT_OWN = "; its current version is not the bot's own (new-version-any would overwrite it)"


@dataclass(frozen=True)
class Verdict:
    """The action for a set of warnings, what the row becomes, and why in words.

    ``outcome`` is ``renamed`` for a rename (the new name may meet warnings of
    its own, decided in turn), and a final outcome otherwise.
    """

    action: str
    outcome: State
    code: str | None = None
    reason: str = ''

    @property
    def publishes(self) -> bool:
        """Whether the commit goes ahead (under the target name or a new one)."""
        return self.outcome in (State.UPLOADED, State.NEW_VERSION, State.RENAMED)


def decide(policy: Policy, warnings: Mapping[str, Any], *, is_own: Callable[[], bool]) -> Verdict:
    """The verdict on ``warnings`` (code → the API's detail) under ``policy``.

    ``is_own`` says whether the current version under the target name is the
    bot's own upload; it is asked only when the action is ``new-version``
    (a query, for the commit; a known fact, for the forecast).
    """
    decision = policy.decide(warnings)
    code = decision.code
    if code is None:
        return Verdict('upload', State.UPLOADED)
    action = decision.action
    reason = f'{code}: {describe_warning(code, warnings[code])}'
    if action == 'skip':
        outcome = State.UNCHANGED if 'nochange' in warnings else State.SKIPPED
        return Verdict(action, outcome, code, reason)
    if action == 'hold':
        return Verdict(action, State.HELD, code, reason)
    if action == 'abort':
        return Verdict(action, State.ABORTED, code, f'{reason}; the policy says abort')
    if action == 'rename':
        return Verdict(action, State.RENAMED, code, reason)
    if 'nochange' in warnings:  # the wiki refuses a version with the current bytes
        return Verdict(
            action, State.UNCHANGED, code, f'{reason}; the current version has these bytes already'
        )
    if action == 'new-version' and not is_own():
        return Verdict(action, State.SKIPPED, code, reason + _NOT_OWN)
    if VERSIONABLE & warnings.keys():
        return Verdict(action, State.NEW_VERSION, code, reason)
    return Verdict(action, State.UPLOADED, code, reason)


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
