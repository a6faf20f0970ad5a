"""The warning policy: what the bot does when the wiki warns at the commit."""

from __future__ import annotations

import pytest

from uploadbot.errors import InputError
from uploadbot.policy import (
    ACTIONS,
    DEFAULT_RULES,
    EXISTENCE_WARNINGS,
    WARNING_CODES,
    Decision,
    Policy,
    PolicyError,
    parse_rules,
)


def write(tmp_path, text):
    path = tmp_path / 'policy.yaml'
    path.write_text(text, encoding='utf-8')
    return path


def refusal(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    return path, str(caught.value)


# -- defaults -------------------------------------------------------------------


def test_defaults_are_the_documented_table():
    assert dict(DEFAULT_RULES) == {
        'exists': 'skip',
        'exists-normalized': 'skip',
        'page-exists': 'skip',
        'thumb': 'skip',
        'thumb-name': 'skip',
        'bad-prefix': 'skip',
        'duplicate': 'skip',
        'duplicate-archive': 'skip',
        'was-deleted': 'hold',
        'badfilename': 'rename',
        'nochange': 'skip',
        'duplicateversions': 'skip',
        'filetype-unwanted-type': 'skip',
        'large-file': 'upload',
        'empty-file': 'skip',
        'default': 'skip',
    }


def test_the_default_policy_answers_every_known_code_with_its_default():
    policy = Policy.defaults()
    assert {code: policy.action_for(code) for code in WARNING_CODES} == {
        code: DEFAULT_RULES[code] for code in WARNING_CODES
    }


def test_existence_warnings_are_the_six_that_name_something_already_there():
    expected = {'exists', 'page-exists', 'exists-normalized', 'thumb', 'thumb-name', 'bad-prefix'}
    assert expected == EXISTENCE_WARNINGS


def test_describe_lists_every_known_code_then_default():
    rows = Policy.defaults().describe()
    assert [code for code, _ in rows] == [*WARNING_CODES, 'default']


def test_describe_shows_the_effective_action_after_overlays():
    assert ('exists', 'hold') in Policy.defaults().with_options(['exists=hold']).describe()


def test_unknown_code_follows_default():
    policy = Policy.defaults().with_options(['default=hold'])
    assert policy.action_for('some-future-warning') == 'hold'


def test_unknown_code_at_decision_time_does_not_crash():
    decision = Policy.defaults().decide(['some-future-warning'])
    assert decision == Decision('skip', 'some-future-warning', ('some-future-warning',))


# -- layers ---------------------------------------------------------------------


def test_file_overrides_the_defaults_it_names_and_keeps_the_rest(tmp_path):
    policy = Policy.load(write(tmp_path, 'warnings:\n  exists: new-version\n'))
    assert policy.action_for('exists') == 'new-version'
    assert policy.action_for('was-deleted') == 'hold'


def test_file_default_applies_to_codes_it_does_not_name(tmp_path):
    policy = Policy.load(write(tmp_path, 'default: abort\n'))
    assert policy.action_for('some-future-warning') == 'abort'


def test_on_option_overrides_a_rule():
    assert Policy.defaults().with_options(['duplicate=upload']).action_for('duplicate') == 'upload'


def test_later_on_option_wins_over_an_earlier_one():
    policy = Policy.defaults().with_options(['exists=hold', 'exists=abort'])
    assert policy.action_for('exists') == 'abort'


def test_row_text_overrides_with_spaces_around_items():
    policy = Policy.defaults().for_row(' exists = new-version ;duplicate=upload; ', row=2)
    assert (policy.action_for('exists'), policy.action_for('duplicate')) == ('new-version', 'upload')


def test_empty_row_text_keeps_the_batch_policy():
    policy = Policy.defaults()
    assert policy.for_row('  ', row=3) is policy


def test_overlay_leaves_the_original_policy_alone():
    policy = Policy.defaults()
    policy.overlay({'exists': 'abort'}, source='test')
    assert policy.action_for('exists') == 'skip'


def test_row_beats_command_line_beats_file_beats_defaults(tmp_path):
    path = write(tmp_path, 'warnings:\n  exists: upload\n  duplicate: upload\n  was-deleted: upload\n')
    policy = Policy.load(path).with_options(['exists=hold', 'duplicate=abort'])
    policy = policy.for_row('exists=abort', row=1)
    assert [policy.action_for(code) for code in ('exists', 'duplicate', 'was-deleted', 'empty-file')] == [
        'abort',
        'abort',
        'upload',
        'skip',
    ]


def test_parse_rules_reads_code_action_pairs():
    assert parse_rules('exists=new-version; duplicate = upload') == {
        'exists': 'new-version',
        'duplicate': 'upload',
    }


def test_parse_rules_refuses_a_code_given_twice():
    with pytest.raises(PolicyError, match="'exists' is given twice"):
        parse_rules('exists=skip;exists=upload')


# -- deciding -------------------------------------------------------------------


def test_actions_are_ordered_strictest_first():
    assert ACTIONS == ('abort', 'hold', 'skip', 'rename', 'new-version', 'new-version-any', 'upload')


@pytest.mark.parametrize(
    'stricter, looser',
    [
        (('abort', 'duplicate'), ('hold', 'was-deleted')),
        (('hold', 'duplicate'), ('skip', 'exists')),
        (('skip', 'duplicate'), ('rename', 'exists')),
        (('rename', 'badfilename'), ('new-version', 'exists')),
        (('new-version', 'exists'), ('new-version-any', 'duplicateversions')),
        (('new-version-any', 'exists'), ('upload', 'large-file')),
    ],
)
def test_the_stricter_of_two_actions_wins(stricter, looser):
    (strict_action, strict_code), (loose_action, loose_code) = stricter, looser
    policy = Policy.defaults().overlay({strict_code: strict_action, loose_code: loose_action}, source='test')
    assert policy.decide([loose_code, strict_code]).action == strict_action


def test_decision_names_the_code_that_drove_it():
    decision = Policy.defaults().decide(['large-file', 'was-deleted', 'duplicate'])
    assert (decision.action, decision.code) == ('hold', 'was-deleted')


def test_decision_lists_every_code_seen_once_in_order():
    decision = Policy.defaults().decide(['large-file', 'duplicate', 'large-file'])
    assert decision.codes == ('large-file', 'duplicate')


def test_nochange_names_the_decision_over_the_exists_it_comes_with():
    assert Policy.defaults().decide({'exists': 'A.jpg', 'nochange': ''}).code == 'nochange'


def test_no_warnings_means_upload():
    assert Policy.defaults().decide([]) == Decision('upload', None, ())


# -- refusing bad policy --------------------------------------------------------


def test_policy_error_is_an_input_error():
    assert issubclass(PolicyError, InputError)


def test_invalid_action_in_file_names_file_line_and_key(tmp_path):
    path, message = refusal(tmp_path, 'warnings:\n  duplicate: upload\n  exists: nuke\n')
    assert message.startswith(f"{path}: line 3, key 'exists': unknown action 'nuke'")


def test_unknown_top_level_key_is_refused_with_its_line(tmp_path):
    path, message = refusal(tmp_path, 'default: skip\nwarning:\n  exists: skip\n')
    assert message.startswith(f"{path}: line 2, key 'warning': unknown top-level key")


def test_unknown_warning_code_in_file_is_refused_with_its_line(tmp_path):
    path, message = refusal(tmp_path, 'warnings:\n  exist: skip\n')
    assert message.startswith(f"{path}: line 2, key 'exist': unknown warning code 'exist'")


def test_default_inside_warnings_is_refused(tmp_path):
    path, message = refusal(tmp_path, 'warnings:\n  default: skip\n')
    assert message.startswith(f"{path}: line 2, key 'default': 'default' belongs at the top")


def test_key_given_twice_in_file_is_refused(tmp_path):
    path, message = refusal(tmp_path, 'warnings:\n  exists: skip\n  exists: upload\n')
    assert message == f"{path}: line 3, key 'exists': given twice (also on line 2)"


def test_bad_yaml_names_the_line(tmp_path):
    path, message = refusal(tmp_path, 'warnings:\n  exists: skip\n  duplicate: [upload\n')
    assert message.startswith(f'{path}: line 4: not valid YAML')


def test_file_that_is_not_a_mapping_is_refused(tmp_path):
    path, message = refusal(tmp_path, '- exists\n- skip\n')
    assert message.startswith(f"{path}: line 1: expected a mapping with 'warnings:'")


def test_warnings_that_are_not_a_mapping_are_refused(tmp_path):
    path, message = refusal(tmp_path, 'warnings: skip\n')
    assert message.startswith(f"{path}: line 1, key 'warnings': 'warnings' must be a mapping")


def test_empty_file_is_refused(tmp_path):
    path, message = refusal(tmp_path, '# nothing yet\n')
    assert message.startswith(f'{path}: line 1: the file is empty')


def test_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(PolicyError, match='cannot read the policy file') as caught:
        Policy.load(tmp_path / 'absent.yaml')
    assert caught.value.path == tmp_path / 'absent.yaml'


def test_invalid_action_on_the_command_line_names_the_option():
    with pytest.raises(PolicyError) as caught:
        Policy.defaults().with_options(['exists=skip', 'duplicate=nuke'])
    assert str(caught.value).startswith("option '-on:duplicate=nuke': unknown action 'nuke'")


def test_on_option_without_an_action_names_the_option():
    with pytest.raises(PolicyError) as caught:
        Policy.defaults().with_options(['exists'])
    assert str(caught.value) == "option '-on:exists': expected -on:CODE=ACTION"


def test_malformed_row_text_names_the_row_and_column():
    with pytest.raises(PolicyError) as caught:
        Policy.defaults().for_row('exists=upload; duplicate', row=7)
    assert str(caught.value) == "row 7, column 'policy': 'duplicate' is not CODE=ACTION"


def test_unknown_action_in_a_row_names_the_row_and_column():
    with pytest.raises(PolicyError) as caught:
        Policy.defaults().for_row('exists=nuke', row=4)
    assert (caught.value.row, caught.value.field) == (4, 'policy')


@pytest.mark.parametrize('code', ['duplicate', 'was-deleted', 'page-exists', 'large-file'])
def test_new_version_is_refused_where_no_file_sits_under_the_name(code):
    with pytest.raises(PolicyError, match=f"'new-version' makes no sense for '{code}'"):
        Policy.defaults().overlay({code: 'new-version'}, source='test')


@pytest.mark.parametrize('code', ['exists', 'nochange', 'duplicateversions'])
def test_new_version_any_is_accepted_where_a_file_sits_under_the_name(code):
    policy = Policy.defaults().overlay({code: 'new-version-any'}, source='test')
    assert policy.action_for(code) == 'new-version-any'


@pytest.mark.parametrize('code', ['duplicate', 'nochange', 'empty-file'])
def test_rename_is_refused_for_content_warnings(code):
    with pytest.raises(PolicyError, match=f"'rename' makes no sense for '{code}'"):
        Policy.defaults().overlay({code: 'rename'}, source='test')


@pytest.mark.parametrize('code', sorted(EXISTENCE_WARNINGS | {'badfilename', 'was-deleted'}))
def test_rename_is_accepted_where_the_name_is_the_trouble(code):
    assert Policy.defaults().overlay({code: 'rename'}, source='t').action_for(code) == 'rename'


@pytest.mark.parametrize('action', ['rename', 'new-version', 'new-version-any'])
def test_default_takes_only_actions_that_suit_any_warning(action):
    with pytest.raises(PolicyError, match="makes no sense for 'default'"):
        Policy.defaults().with_options([f'default={action}'])


def test_nonsensical_combination_in_a_file_names_its_line(tmp_path):
    path, message = refusal(tmp_path, 'warnings:\n  exists: skip\n  duplicate: new-version\n')
    assert message.startswith(f"{path}: line 3, key 'duplicate': 'new-version' makes no sense")
