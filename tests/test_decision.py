"""The decision table: every warning code under every action, alone and two at a time.

:func:`uploadbot.decision.decide` is what both the commit and ``-check``
act on, so this table is what a run does and what a forecast says.
"""

from __future__ import annotations

import itertools

import pytest

from uploadbot.decision import decide
from uploadbot.policy import ACTIONS, WARNING_CODES, Policy, PolicyError
from uploadbot.state import State

U, N, R = State.UPLOADED, State.NEW_VERSION, State.RENAMED
S, C, H, A = State.SKIPPED, State.UNCHANGED, State.HELD, State.ABORTED

#: What a row becomes when the wiki gives this one warning and the policy this
#: action, the current version being the bot's own. None: the rule is refused.
#: Columns:  abort hold skip rename new-version new-version-any upload
TABLE: dict[str, tuple[State | None, ...]] = {
    'badfilename': (A, H, S, R, None, None, U),
    'filetype-unwanted-type': (A, H, S, None, None, None, U),
    'large-file': (A, H, S, None, None, None, U),
    'empty-file': (A, H, S, None, None, None, U),
    'exists': (A, H, S, R, N, N, N),
    'page-exists': (A, H, S, R, None, None, U),
    'exists-normalized': (A, H, S, R, None, None, U),
    'thumb': (A, H, S, R, None, None, U),
    'thumb-name': (A, H, S, R, None, None, U),
    'bad-prefix': (A, H, S, R, None, None, U),
    'nochange': (A, H, C, None, C, C, C),
    'duplicateversions': (A, H, S, None, N, N, N),
    'was-deleted': (A, H, S, R, None, None, U),
    'duplicate': (A, H, S, None, None, None, U),
    'duplicate-archive': (A, H, S, None, None, None, U),
}

CELLS = [(code, action, TABLE[code][ACTIONS.index(action)]) for code in WARNING_CODES for action in ACTIONS]
VALID = [(code, action, outcome) for code, action, outcome in CELLS if outcome is not None]


def policy_with(**rules: str) -> Policy:
    return Policy.defaults().overlay(
        {code.replace('_', '-'): action for code, action in rules.items()}, source='test'
    )


def verdict(warnings: dict, *, own: bool = True, **rules: str):
    return decide(policy_with(**rules), warnings, is_own=lambda: own)


def test_the_table_covers_every_known_code():
    assert set(TABLE) == set(WARNING_CODES)


@pytest.mark.parametrize('code, action, outcome', VALID)
def test_one_warning_under_one_action(code, action, outcome):
    policy = Policy.defaults().overlay({code: action}, source='test')
    found = decide(policy, {code: 'detail'}, is_own=lambda: True)
    assert (found.action, found.outcome, found.code) == (action, outcome, code)


@pytest.mark.parametrize(
    'code, action', [(code, action) for code, action, outcome in CELLS if outcome is None]
)
def test_the_cells_without_an_outcome_are_rules_the_policy_refuses(code, action):
    with pytest.raises(PolicyError):
        Policy.defaults().overlay({code: action}, source='test')


def test_no_warnings_is_a_plain_upload():
    found = verdict({})
    assert (found.action, found.outcome, found.code) == ('upload', U, None)


@pytest.mark.parametrize(
    'code', ['page-exists', 'bad-prefix', 'thumb-name', 'thumb', 'exists-normalized', 'was-deleted']
)
def test_a_first_upload_let_past_a_name_warning_is_never_a_new_version(code):
    assert verdict({code: 'X.jpg'}, **{code: 'upload'}).outcome is U


def test_new_version_over_someone_elses_file_is_skipped_and_says_why():
    found = verdict({'exists': 'X.jpg'}, own=False, exists='new-version')
    assert found.outcome is S
    assert "not the bot's own" in found.reason


def test_new_version_any_overwrites_someone_elses_file():
    assert verdict({'exists': 'X.jpg'}, own=False, exists='new-version-any').outcome is N


def test_ownership_is_asked_only_for_new_version():
    asked = []
    decide(policy_with(exists='new-version-any'), {'exists': 'X.jpg'}, is_own=lambda: asked.append(1) or True)
    assert asked == []


def test_nochange_with_exists_is_unchanged_even_when_the_policy_uploads():
    found = verdict({'exists': 'X.jpg', 'nochange': {}}, exists='upload', nochange='upload')
    assert found.outcome is C


def test_abort_says_the_policy_stopped_the_batch():
    assert verdict({'duplicate': ['Y.jpg']}, duplicate='abort').reason.endswith('; the policy says abort')


def test_the_reason_names_the_file_a_duplicate_repeats():
    assert verdict({'duplicate': ['Y_1.jpg']}).reason == 'duplicate: same content as File:Y 1.jpg'


PAIRS = [(first, second) for first, second in itertools.combinations(VALID, 2) if first[0] != second[0]]


@pytest.mark.parametrize('first, second', PAIRS, ids=[f'{a[0]}={a[1]}+{b[0]}={b[1]}' for a, b in PAIRS])
def test_two_warnings_the_stricter_action_decides(first, second):
    (code_a, action_a, _), (code_b, action_b, _) = first, second
    warnings = {code_a: 'X.jpg', code_b: 'X.jpg'}
    policy = Policy.defaults().overlay({code_a: action_a, code_b: action_b}, source='test')
    found = decide(policy, warnings, is_own=lambda: True)
    stricter = min(action_a, action_b, key=ACTIONS.index)
    assert found.action == stricter
    driver = found.code
    if action_a != action_b:  # the stricter rule's warning names the decision
        assert driver == (code_a if stricter == action_a else code_b)
    else:
        assert driver in (code_a, code_b)  # a tie: either warning, the same action
    alone = TABLE[driver][ACTIONS.index(stricter)]
    if 'nochange' in warnings and alone in (S, U, N):
        assert found.outcome is C  # the current version has these bytes: nothing changes
    elif alone is U and {'exists', 'duplicateversions'} & warnings.keys():
        assert found.outcome is N  # the other warning says a file sits under the name
    else:
        assert found.outcome is alone
