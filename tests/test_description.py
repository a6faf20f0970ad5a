"""Description pages are built from wikitext templates without breaking their markup."""

import re

import mwparserfromhell
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mwparserfromhell.nodes import Argument

from uploadbot.describe.template import DescriptionTemplate
from uploadbot.errors import InputError
from uploadbot.names import normalize_title

INFORMATION = """== {{int:filedesc}} ==
{{Information
 |description = {{en|1={{{description}}}}}
 |date        = {{{date|}}}
 |source      = {{{source|{{own}}}}}
 |author      = {{{author}}}
}}
== {{int:license-header}} ==
{{{license|{{cc-by-sa-4.0}}}}}
"""


def build(text, values, categories=(), row=None):
    return DescriptionTemplate.from_text(text).build(values, categories, row=row)


def refusal(text, values, row=3):
    with pytest.raises(InputError) as caught:
        build(text, values, row=row)
    return caught.value


# Loading templates


def test_fields_are_every_argument_name_including_those_in_defaults():
    template = DescriptionTemplate.from_text('{{{a}}} {{{b|{{{c|x}}}}}} {{{d|}}}')
    assert template.fields == {'a', 'b', 'c', 'd'}


def test_required_fields_are_those_without_default():
    template = DescriptionTemplate.from_text(INFORMATION)
    assert template.required == {'description', 'author'}


def test_a_field_used_only_inside_a_default_is_not_required():
    template = DescriptionTemplate.from_text('{{{a|{{{b}}}}}}')
    assert template.required == set()


def test_a_template_is_read_from_a_file(tmp_path):
    path = tmp_path / 'desc.wiki'
    path.write_text('{{{description}}}', encoding='utf-8')
    assert DescriptionTemplate.from_file(path).build({'description': 'Hi'}) == 'Hi'


def test_an_unreadable_template_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(InputError) as caught:
        DescriptionTemplate.from_file(tmp_path / 'missing.wiki')
    assert caught.value.path == tmp_path / 'missing.wiki'


def test_a_template_file_that_is_not_utf8_is_an_error_naming_it(tmp_path):
    path = tmp_path / 'latin1.wiki'
    path.write_bytes('{{{d}}} café'.encode('latin-1'))
    with pytest.raises(InputError) as caught:
        DescriptionTemplate.from_file(path)
    assert caught.value.path == path


def test_a_template_without_fields_is_an_error():
    with pytest.raises(InputError, match='no fields'):
        DescriptionTemplate.from_text('{{description}}', name='desc.wiki')


def test_a_template_with_unmatched_braces_is_an_error():
    with pytest.raises(InputError, match='does not parse'):
        DescriptionTemplate.from_text('{{Information\n|description={{{description}}}\n')


def test_a_field_whose_name_is_markup_is_an_error():
    with pytest.raises(InputError, match='plain text'):
        DescriptionTemplate.from_text('{{{ {{{a}}} }}}')


# Filling fields


def test_a_field_is_replaced_by_its_value():
    assert build('Photo: {{{description}}}.', {'description': 'a cat'}) == 'Photo: a cat.'


def test_every_use_of_a_field_gets_the_value():
    assert build('{{{a}}}/{{{a}}}', {'a': 'x'}) == 'x/x'


def test_a_missing_value_takes_the_default():
    assert build('{{{source|{{own}}}}}', {}) == '{{own}}'


def test_an_empty_value_takes_the_default():
    assert build('{{{source|{{own}}}}}', {'source': ''}) == '{{own}}'


def test_a_blank_value_takes_the_default():
    assert build('{{{source|{{own}}}}}', {'source': '  \n'}) == '{{own}}'


def test_an_empty_default_leaves_the_field_empty():
    assert build('date={{{date|}}};', {}) == 'date=;'


def test_a_nested_default_falls_back_to_the_inner_field():
    assert build('{{{a|{{{b|x}}}}}}', {'b': 'B'}) == 'B'


def test_a_nested_default_falls_back_to_the_innermost_default():
    assert build('{{{a|{{{b|x}}}}}}', {}) == 'x'


def test_the_outer_field_wins_over_a_nested_default():
    assert build('{{{a|{{{b|x}}}}}}', {'a': 'A', 'b': 'B'}) == 'A'


def test_a_missing_required_field_is_an_error_naming_row_and_field():
    error = refusal(INFORMATION, {'description': 'd'}, row=7)
    assert (error.row, error.field) == (7, 'author')


def test_a_missing_field_inside_a_default_in_use_is_an_error():
    error = refusal('{{{a|{{{b}}}}}}', {})
    assert error.field == 'b'


def test_values_are_wikitext_and_keep_their_balanced_markup():
    value = '[[Paris|the city]] {{w|Seine}} <ref>r</ref> <nowiki>}}</nowiki> <!-- note -->'
    assert build('{{en|1={{{d}}}}}', {'d': value}) == '{{en|1=' + value + '}}'


def test_line_breaks_in_values_are_kept():
    assert build('{{en|1={{{d}}}}}', {'d': 'one\ntwo'}) == '{{en|1=one\ntwo}}'


def test_building_leaves_the_template_ready_for_the_next_row():
    template = DescriptionTemplate.from_text('{{en|{{{d}}}}}')
    template.build({'d': 'a=b'})
    assert template.build({'d': 'c'}) == '{{en|c}}'


def test_the_whole_information_page_is_filled():
    page = build(INFORMATION, {'description': 'A cat', 'author': 'Me', 'date': '2021-05-04'})
    assert page == INFORMATION.replace('{{{description}}}', 'A cat').replace(
        '{{{date|}}}', '2021-05-04'
    ).replace('{{{source|{{own}}}}}', '{{own}}').replace('{{{author}}}', 'Me').replace(
        '{{{license|{{cc-by-sa-4.0}}}}}', '{{cc-by-sa-4.0}}'
    )


# Categories


def test_categories_are_appended_one_per_line():
    page = build('{{{d}}}', {'d': 'x'}, ['Cats', 'Dogs'])
    assert page == 'x\n[[Category:Cats]]\n[[Category:Dogs]]'


def test_a_category_prefix_is_optional():
    assert build('{{{d}}}\n', {'d': 'x'}, ['category: Cats']) == 'x\n[[Category:Cats]]'


def test_category_names_are_stripped_and_empty_ones_dropped():
    assert build('{{{d}}}\n', {'d': 'x'}, ['  Cats ', '', '  ']) == 'x\n[[Category:Cats]]'


def test_repeated_categories_are_added_once():
    names = ['Cats of Paris', 'cats_of Paris', 'Category:Cats of Paris']
    page = build('{{{d}}}\n', {'d': 'x'}, names)
    assert page == 'x\n[[Category:Cats of Paris]]'


def test_a_category_already_in_the_template_is_not_added_again():
    assert build('{{{d}}}\n[[Category:Cats_of_Paris]]', {'d': 'x'}, ['cats of Paris']) == (
        'x\n[[Category:Cats_of_Paris]]'
    )


def test_a_category_already_in_a_value_is_not_added_again():
    assert build('{{{d}}}', {'d': '[[Category:Cats|key]]'}, ['Cats']) == '[[Category:Cats|key]]'


def test_a_link_to_a_category_does_not_count_as_the_category():
    assert build('{{{d}}}', {'d': '[[:Category:Cats]]'}, ['Cats']) == (
        '[[:Category:Cats]]\n[[Category:Cats]]'
    )


def test_without_categories_the_page_is_unchanged():
    assert build('{{{d}}}', {'d': 'x'}) == 'x'


def test_a_category_with_a_forbidden_character_is_an_error_naming_the_column():
    with pytest.raises(InputError) as caught:
        build('{{{d}}}', {'d': 'x'}, ['Cats]]'], row=4)
    assert (caught.value.row, caught.value.field) == (4, 'categories')


# Escaping, case by case (see the table in the module docstring)


def test_a_pipe_in_a_template_parameter_becomes_the_pipe_template():
    assert build('{{en|1={{{d}}}}}', {'d': 'a|b'}) == '{{en|1=a{{!}}b}}'


def test_a_pipe_at_the_top_level_of_the_page_is_kept():
    assert build('{{{d}}}', {'d': 'a|b'}) == 'a|b'


def test_a_pipe_in_link_text_becomes_an_entity():
    assert build('[[Paris|{{{d}}}]]', {'d': 'a|b'}) == '[[Paris|a&#124;b]]'


def test_a_pipe_in_a_table_cell_becomes_an_entity():
    assert build('{|\n| {{{d}}}\n|}', {'d': 'a|b'}) == '{|\n| a&#124;b\n|}'


def test_a_pipe_inside_a_link_in_the_value_is_kept():
    assert build('{{en|1={{{d}}}}}', {'d': '[[Paris|city]]'}) == '{{en|1=[[Paris|city]]}}'


def test_a_brace_next_to_an_escaped_pipe_is_wrapped_in_nowiki():
    assert build('{{en|1={{{d}}}}}', {'d': 'a{|'}) == '{{en|1=a<nowiki>{</nowiki>{{!}}}}'


def test_an_equals_sign_in_a_named_parameter_is_kept():
    assert build('{{en|1={{{d}}}}}', {'d': 'a=b'}) == '{{en|1=a=b}}'


def test_an_equals_sign_in_a_positional_parameter_names_the_parameter():
    assert build('{{en|{{{d}}}}}', {'d': 'a=b'}) == '{{en|1=a=b}}'


def test_naming_a_positional_parameter_uses_its_position():
    assert build('{{x|p|{{{d}}}}}', {'d': 'a=b'}) == '{{x|p|2=a=b}}'


def test_an_equals_sign_at_the_top_level_is_kept():
    assert build('{{{d}}}', {'d': 'a=b'}) == 'a=b'


@pytest.mark.parametrize('run', ['}}', '{{', ']]', '[[', '}}}', '[[['])
def test_an_unmatched_run_of_braces_or_brackets_is_wrapped_in_nowiki(run):
    assert build('{{en|1={{{d}}}}}', {'d': f'a{run}b'}) == f'{{{{en|1=a<nowiki>{run}</nowiki>b}}}}'


def test_an_unmatched_run_at_the_top_level_is_wrapped_in_nowiki():
    assert build('{{{d}}}', {'d': 'a{{b'}) == 'a<nowiki>{{</nowiki>b'


@pytest.mark.parametrize(
    'value, expected',
    [
        ('a}', 'a<nowiki>}</nowiki>'),
        ('{a', '<nowiki>{</nowiki>a'),
        ('a]', 'a<nowiki>]</nowiki>'),
        ('[a', '<nowiki>[</nowiki>a'),
    ],
)
def test_a_single_brace_or_bracket_at_an_end_of_the_value_is_wrapped_in_nowiki(value, expected):
    assert build('{{en|1={{{d}}}}}', {'d': value}) == f'{{{{en|1={expected}}}}}'


def test_a_single_bracket_inside_the_value_is_kept():
    assert build('{{en|1={{{d}}}}}', {'d': 'a [b] c'}) == '{{en|1=a [b] c}}'


def test_a_bracket_before_a_bare_url_is_wrapped_in_nowiki():
    assert build('{{en|1={{{d}}}}}', {'d': 'see [http://example.org'}) == (
        '{{en|1=see <nowiki>[</nowiki>http://example.org}}'
    )


def test_a_brace_next_to_markup_in_the_value_is_wrapped_in_nowiki():
    # Else "{" + "{{x}}" + the closing "}}" would read as the argument {{{x}}}.
    assert build('{{en|{{{d}}}}}', {'d': 'a{{{x}}'}) == '{{en|a<nowiki>{</nowiki>{{x}}}}'


@pytest.mark.parametrize('quotes', ["''", "'''"])
def test_unpaired_italic_or_bold_quotes_are_wrapped_in_nowiki(quotes):
    assert build('{{en|1={{{d}}}}}', {'d': f'rock {quotes}n roll'}) == (
        f'{{{{en|1=rock <nowiki>{quotes}</nowiki>n roll}}}}'
    )


def test_paired_italic_quotes_are_kept():
    assert build('{{en|1={{{d}}}}}', {'d': "a ''Felis catus''"}) == "{{en|1=a ''Felis catus''}}"


def test_a_single_apostrophe_is_kept():
    assert build('{{en|1={{{d}}}}}', {'d': "l'été"}) == "{{en|1=l'été}}"


@pytest.mark.parametrize('tildes', ['~~~', '~~~~', '~~~~~'])
def test_a_signature_is_wrapped_in_nowiki(tildes):
    assert build('{{{d}}}', {'d': f'by {tildes}'}) == f'by <nowiki>{tildes}</nowiki>'


def test_a_language_conversion_opener_is_wrapped_in_nowiki():
    assert build('{{{d}}}', {'d': 'a -{b'}) == 'a <nowiki>-{</nowiki>b'


def test_a_less_than_sign_that_starts_no_tag_becomes_an_entity():
    assert build('{{{d}}}', {'d': '1 < 2'}) == '1 &lt; 2'


def test_a_closing_bracket_in_an_external_link_title_becomes_an_entity():
    assert build('[http://example.org {{{d}}}]', {'d': 'a]b'}) == '[http://example.org a&#93;b]'


def test_double_exclamation_marks_in_a_table_cell_become_entities():
    assert build('{|\n! {{{d}}}\n|}', {'d': 'a!!b'}) == '{|\n! a&#33;&#33;b\n|}'


def test_a_line_break_in_a_heading_is_refused():
    error = refusal('== {{{d}}} ==\n', {'d': 'a\nb'})
    assert (error.row, error.field) == (3, 'd')


def test_a_line_break_in_a_table_cell_is_refused():
    assert refusal('{|\n| {{{d}}} || x\n|}', {'d': 'a\nb'}).field == 'd'


def test_a_line_break_in_link_text_is_refused():
    assert refusal('[[Paris|{{{d}}}]]', {'d': 'a\nb'}).field == 'd'


def test_an_unclosed_comment_is_refused():
    error = refusal('{{{d}}}', {'d': 'a <!-- b'})
    assert '<!--' in error.message


@pytest.mark.parametrize('stray', ['<nowiki>', '</nowiki>', '<ref>', '</ref>', '<includeonly>', '</b>'])
def test_a_tag_without_its_partner_is_refused(stray):
    error = refusal('{{en|1={{{d}}}}}', {'d': f'a {stray} b'})
    assert (error.field, stray in error.message) == ('d', True)


def test_a_value_used_as_a_template_name_must_be_plain_text():
    assert refusal('{{ {{{d}}} }}', {'d': 'a|b'}).field == 'd'


def test_a_plain_value_used_as_a_template_name_is_accepted():
    assert build('{{ {{{d}}} }}', {'d': 'Cc-zero'}) == '{{ Cc-zero }}'


def test_a_value_used_as_a_link_target_must_be_plain_text():
    assert refusal('[[{{{d}}}]]', {'d': 'a]]b'}).field == 'd'


def test_a_value_that_would_still_break_the_page_is_refused_naming_its_field():
    # An external link cannot stand inside another one's title.
    values = {'t': '[http://example.com x]', 'u': 'y'}
    error = refusal('[http://example.org {{{t}}}] {{{u}}}', values)
    assert (error.field, 'break' in error.message) == ('t', True)


# The property: filled pages keep the template's structure and show the values

PROPERTY_TEMPLATE = """== {{int:filedesc}} ==
{{Information
 |description = {{en|1={{{description}}}}}
 |other versions = {{en|{{{positional}}}}}
 |date        = {{{date|}}}
 |source      = {{{source|{{own}}}}}
 |author      = {{{author}}}
 |permission  = [[Special:ListUsers|{{{linktext|someone}}}]]
}}
== {{int:license-header}} ==
{{{license|{{cc-by-sa-4.0}}}}}
{| class="wikitable"
| {{{cell|}}} || end
|}
"""
# Values are drawn from pieces that cannot spell "Information", "en" or "Category",
# so every such template or category in a page comes from the template text.
PIECES = [
    '|',
    '=',
    '{',
    '}',
    '{{',
    '}}',
    '[',
    ']',
    '[[',
    ']]',
    '{{{',
    '}}}',
    '<',
    '>',
    '<nowiki>',
    '</nowiki>',
    '<nowiki>x</nowiki>',
    '<nowiki/>',
    '<!--',
    '-->',
    '<!-- c -->',
    '<ref>r</ref>',
    '</ref>',
    '<b>b</b>',
    '<br>',
    '~~~',
    '~~~~',
    '-{',
    '}-',
    '!',
    '!!',
    '\n',
    ' ',
    '*',
    '#',
    ':',
    '==',
    '&',
    ';',
    "'",
    "''",
    'x',
    'y',
    'é',
    'http://ex.org/',
    '[http://ex.org/ z]',
    '{{!}}',
    '{{x}}',
    '[[y]]',
    '[[y|z]]',
    '&#124;',
    '{|\n|a\n|}',
]
NASTY = st.lists(st.sampled_from(PIECES), max_size=10).map(''.join) | st.text(
    alphabet="xyzé|={}[]<>!-~:/\n #&;'*", max_size=20
)
FIELDS = sorted(DescriptionTemplate.from_text(PROPERTY_TEMPLATE).fields)
CATEGORIES = st.lists(st.sampled_from(['Cats', 'cats', 'Dogs_of Paris', 'Category:Dogs of Paris', ' ']))
ESCAPES = (('{{!}}', '|'), ('&#124;', '|'), ('&#33;', '!'), ('&#93;', ']'), ('&lt;', '<'))


def shown(text):
    """What MediaWiki displays, as far as the builder's escapes and the user's own go."""
    text = re.sub(r'<!--.*?-->', '', text, flags=re.DOTALL)
    text = re.sub(r'<nowiki>(.*?)</nowiki>', r'\1', text, flags=re.DOTALL).replace('<nowiki/>', '')
    for escape, char in ESCAPES:
        text = text.replace(escape, char)
    return text


def expected_text(argument, values):
    value = values.get(str(argument.name).strip(), '')
    return value if value.strip() else str(argument.default or '')


def lone_argument(code):
    nodes = [node for node in code.nodes if str(node).strip()]
    return nodes[0] if len(nodes) == 1 and isinstance(nodes[0], Argument) else None


def own_templates(code):
    return [
        template
        for template in code.filter_templates(recursive=True)
        if str(template.name).strip() in ('Information', 'en')
    ]


def round_trips(page_value, expected, named):
    if named:  # MediaWiki strips named parameters
        return shown(page_value).strip() == shown(expected).strip()
    return shown(page_value) == shown(expected)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={field: NASTY for field in FIELDS}), CATEGORIES)
def test_a_built_page_keeps_every_template_parameter_and_shows_every_value(values, categories):
    """For any values, build() either refuses with an InputError naming the row and a field,
    or returns a page that, parsed again, has:
    1. the template text's templates (Information, en), in order, with the same parameter names;
    2. in each parameter that holds a lone field, the row's value (or the default when the value
       is blank) as MediaWiki shows it, i.e. after undoing the escapes; named parameters are
       compared stripped, since MediaWiki strips them;
    3. the same for the link text holding a field;
    4. the template text's headings, in order;
    5. every requested category exactly once."""
    template = DescriptionTemplate.from_text(PROPERTY_TEMPLATE)
    try:
        page = template.build(values, categories, row=9)
    except InputError as error:
        assert error.row == 9 and (error.field in template.fields or 'together' in error.message)
        return
    original, built = mwparserfromhell.parse(PROPERTY_TEMPLATE), mwparserfromhell.parse(page)
    before, after = own_templates(original), own_templates(built)
    assert [(str(t.name), [str(p.name) for p in t.params]) for t in after] == [
        (str(t.name), [str(p.name) for p in t.params]) for t in before
    ]
    for old, new in zip(before, after):
        for old_param, new_param in zip(old.params, new.params):
            argument = lone_argument(old_param.value)
            if argument is not None:
                expected = expected_text(argument, values)
                assert round_trips(str(new_param.value), expected, new_param.showkey)
    old_link, new_link = (
        next(link for link in code.filter_wikilinks() if str(link.title) == 'Special:ListUsers')
        for code in (original, built)
    )
    assert shown(str(new_link.text)) == shown(expected_text(lone_argument(old_link.text), values))
    titles = [str(h.title) for h in built.filter_headings()]
    assert [t for t in titles if t in (' {{int:filedesc}} ', ' {{int:license-header}} ')] == [
        ' {{int:filedesc}} ',
        ' {{int:license-header}} ',
    ]
    on_page = [
        normalize_title(str(link.title).split(':', 1)[1])
        for link in built.filter_wikilinks()
        if str(link.title).startswith('Category:')
    ]
    wanted = {normalize_title(name.removeprefix('Category:')) for name in categories} - {''}
    assert sorted(on_page) == sorted(wanted)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={field: NASTY for field in FIELDS}))
def test_escaping_alone_keeps_parameters_links_and_cells_intact(values):
    """The final re-parse guard never has to step in for these contexts: every refusal
    is one of the documented cases, with its own message."""
    try:
        build(PROPERTY_TEMPLATE, values, row=1)
    except InputError as error:
        assert "would break the page's markup" not in error.message


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_characters="{}[]|=<>~!-&\n'", blacklist_categories=('Cs', 'Cc')),
        min_size=1,
    )
)
def test_plain_values_are_used_verbatim(value):
    assert build('{{en|1={{{d}}}}}\n[[A|{{{d}}}]]', {'d': 'x' + value}) == (
        '{{en|1=x' + value + '}}\n[[A|x' + value + ']]'
    )


# The shortcut for plain values: the same page as the full build, without its cost

SHORTCUT_TEMPLATES = [
    INFORMATION,
    PROPERTY_TEMPLATE,
    '{{{a}}}{{{a}}} &{{{b}}}; http://example.org/{{{a}}} [http://example.org {{{b}}}]',
    '{{{a}}}\n=={{{b}}}==\n{|\n| {{{a}}} || {{{b|x}}}\n|}\n[[Category:{{{a}}}]]',
    "{{{a|{{{b|{{{c|none}}}}}}}}} [[Category:Kept]] <ref>{{{b|}}}</ref> ''{{{c|}}}''",
]
PLAIN_VALUE = st.text(alphabet=st.sampled_from('aZé9 ,.()-ß'), max_size=12)


def full_build(template, values, categories):
    """The same template's page without the shortcut (every row through the tree)."""
    template._skeleton = lambda present: None
    try:
        return template.build(values, categories, row=4)
    finally:
        del template._skeleton


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SHORTCUT_TEMPLATES),
    st.fixed_dictionaries({}, optional={field: PLAIN_VALUE for field in ('a', 'b', 'c', *FIELDS)}),
    st.lists(st.sampled_from(['Kept', 'New one', 'a', 'Zé']), max_size=3),
)
def test_a_row_of_plain_values_gets_the_page_the_full_build_gives(text, values, categories):
    template = DescriptionTemplate.from_text(text)
    try:
        expected = full_build(template, values, categories)
    except InputError as error:
        with pytest.raises(InputError) as caught:
            template.build(values, categories, row=4)
        assert (caught.value.row, caught.value.field) == (error.row, error.field)
        return
    assert template.build(values, categories, row=4) == expected


def test_plain_rows_reuse_one_skeleton_per_set_of_filled_fields():
    template = DescriptionTemplate.from_text(INFORMATION)
    for number in range(50):
        template.build({'description': f'Photo {number}', 'author': 'Me'}, row=number)
    template.build({'description': 'Photo', 'author': 'Me', 'date': '2020-01-02'}, row=60)
    assert len(template._skeletons) == 2


def test_a_value_with_markup_still_goes_through_the_full_build():
    template = DescriptionTemplate.from_text(INFORMATION)
    page = template.build({'description': 'a | b', 'author': 'Me'}, row=2)
    assert 'a {{!}} b' in page and template._skeletons == {}
