"""Structured data from manifest cells to the ``wbeditentity`` data, and its merge.

The shapes asserted here are Wikibase's documented JSON: ``labels`` keyed by
language, statements with a ``mainsnak`` whose ``datavalue`` has a ``type``
and a ``value`` per datatype; ``wbgetentities`` gives a MediaInfo entity's
statements under ``statements`` and ``wbeditentity`` takes them as ``claims``.
No Wikibase runs here (it cannot be installed on these machines), so these
are the tests of the bot's side of that JSON.
"""

from __future__ import annotations

import pytest

from uploadbot.describe.mediainfo_cells import CAPTION_LIMIT, read_cells, unknown_languages
from uploadbot.describe.mediainfo_merge import merge, same_value, typed
from uploadbot.describe.mediainfo_values import EARTH, GREGORIAN, WIKIDATA_ENTITY, datavalue
from uploadbot.mediainfo_types import StructuredData

DATATYPES = {
    'P180': 'wikibase-item',
    'P571': 'time',
    'P275': 'wikibase-item',
    'P1476': 'monolingualtext',
    'P1259': 'globe-coordinate',
    'P2048': 'quantity',
    'P217': 'string',
    'P214': 'external-id',
    'P973': 'url',
    'P1343': 'wikibase-property',
}


def cells(**fields) -> StructuredData:
    data, problems = read_cells({key.replace('__', '.'): value for key, value in fields.items()})
    assert problems == []
    return data


def statements_of(data: StructuredData):
    found, problems = typed(data, DATATYPES, concept_base=WIKIDATA_ENTITY)
    assert problems == []
    return found


# -- reading the cells ---------------------------------------------------------------------


def test_captions_come_from_caption_columns_by_language():
    data = cells(caption__en='A cat', caption__de='Eine Katze')
    assert [(c.language, c.text) for c in data.captions] == [('en', 'A cat'), ('de', 'Eine Katze')]


def test_depicts_holds_semicolon_separated_items_of_p180():
    data = cells(depicts='Q146; q42')
    assert [(s.property, s.text) for s in data.statements] == [('P180', 'Q146'), ('P180', 'Q42')]


def test_the_depicts_property_can_be_another():
    data, _ = read_cells({'depicts': 'Q1'}, depicts_property='P9')
    assert data.statements[0].property == 'P9'


def test_statement_columns_name_their_property():
    data = cells(statement__P571='1890', statement__p217='Inv. 12')
    assert [(s.property, s.text) for s in data.statements] == [('P571', '1890'), ('P217', 'Inv. 12')]


def test_empty_structured_cells_ask_for_nothing():
    data = cells(caption__en='', depicts=' ')
    assert not data


def test_every_bad_cell_is_named_by_its_column():
    _, problems = read_cells(
        {
            'caption.english!': 'x',
            'caption.fr': 'y' * (CAPTION_LIMIT + 1),
            'depicts': 'Q1;cat',
            'statement.571': '1890',
            'captions': 'overwrite',
        }
    )
    columns = [column for column, _ in problems]
    assert columns == ['caption.english!', 'caption.fr', 'depicts', 'statement.571', 'captions']
    assert '251 characters' in problems[1][1]
    assert "'cat' is not an item id" in problems[2][1]


def test_a_caption_of_250_characters_is_taken():
    assert cells(caption__en='y' * CAPTION_LIMIT).captions[0].text == 'y' * CAPTION_LIMIT


def test_the_captions_column_asks_to_replace():
    assert cells(caption__en='x', captions='replace').replace_captions is True


def test_languages_the_wiki_does_not_know_are_named():
    data = cells(caption__en='x', caption__xx='y')
    assert unknown_languages(data, {'en', 'de'}) == [('caption.xx', "the wiki knows no language 'xx'")]


def test_the_digest_changes_with_the_data():
    assert cells(depicts='Q1').digest != cells(depicts='Q2').digest
    assert cells(depicts='Q1').digest == cells(depicts='Q1').digest
    assert StructuredData().digest == ''


# -- values by datatype --------------------------------------------------------------------


def test_an_item_is_a_wikibase_entityid():
    assert datavalue('wikibase-item', 'Q42') == {
        'value': {'entity-type': 'item', 'numeric-id': 42, 'id': 'Q42'},
        'type': 'wikibase-entityid',
    }


def test_a_property_is_a_wikibase_entityid():
    assert datavalue('wikibase-property', 'P31')['value'] == {
        'entity-type': 'property',
        'numeric-id': 31,
        'id': 'P31',
    }


@pytest.mark.parametrize('datatype', ['string', 'external-id', 'commonsMedia'])
def test_strings_and_external_ids_are_strings(datatype):
    assert datavalue(datatype, ' 0000 0001 ') == {'value': '0000 0001', 'type': 'string'}


def test_a_url_is_a_string_value():
    assert datavalue('url', 'https://example.org/a?b=1') == {
        'value': 'https://example.org/a?b=1',
        'type': 'string',
    }


def test_a_url_without_scheme_is_refused():
    with pytest.raises(ValueError, match='is not a URL'):
        datavalue('url', 'example.org/a')


@pytest.mark.parametrize(
    'text, stamp, precision',
    [
        ('2019-05-01', '+2019-05-01T00:00:00Z', 11),
        ('2019-05', '+2019-05-00T00:00:00Z', 10),
        ('1890', '+1890-00-00T00:00:00Z', 9),
        ('1890s', '+1890-00-00T00:00:00Z', 8),
        ('-0500', '-0500-00-00T00:00:00Z', 9),
    ],
)
def test_a_time_has_its_precision_and_the_gregorian_calendar(text, stamp, precision):
    assert datavalue('time', text) == {
        'value': {
            'time': stamp,
            'timezone': 0,
            'before': 0,
            'after': 0,
            'precision': precision,
            'calendarmodel': GREGORIAN,
        },
        'type': 'time',
    }


@pytest.mark.parametrize('text', ['2019-02-30', '2019-13', '1 May 2019', ''])
def test_a_time_that_is_no_date_is_refused(text):
    with pytest.raises(ValueError, match='is not a date'):
        datavalue('time', text)


def test_a_quantity_without_unit_has_unit_one():
    assert datavalue('quantity', '12') == {'value': {'amount': '+12', 'unit': '1'}, 'type': 'quantity'}


def test_a_quantity_with_a_unit_item_names_its_concept_uri():
    assert datavalue('quantity', '-3.50 Q11573')['value'] == {
        'amount': '-3.50',
        'unit': 'http://www.wikidata.org/entity/Q11573',
    }


def test_monolingual_text_carries_its_language():
    assert datavalue('monolingualtext', 'en: The Cat: a study') == {
        'value': {'text': 'The Cat: a study', 'language': 'en'},
        'type': 'monolingualtext',
    }


def test_monolingual_text_without_a_language_is_refused():
    with pytest.raises(ValueError, match='with its language'):
        datavalue('monolingualtext', 'The Cat')


def test_a_coordinate_has_the_precision_of_its_digits_on_earth():
    assert datavalue('globe-coordinate', '52.5163, 13.377') == {
        'value': {
            'latitude': 52.5163,
            'longitude': 13.377,
            'altitude': None,
            'precision': pytest.approx(0.0001),
            'globe': EARTH,
        },
        'type': 'globecoordinate',
    }


def test_a_coordinate_off_the_globe_is_refused():
    with pytest.raises(ValueError, match='latitude must be within'):
        datavalue('globe-coordinate', '95,10')


def test_a_datatype_the_bot_cannot_write_is_named():
    data = cells(statement__P5='L1')
    _, problems = typed(data, {'P5': 'wikibase-lexeme'}, concept_base=WIKIDATA_ENTITY)
    assert problems == [('statement.P5', "P5 has datatype 'wikibase-lexeme', which the bot cannot write")]


def test_a_value_that_does_not_fit_its_property_is_named_by_column():
    data = cells(statement__P571='yesterday', statement__P999='x')
    _, problems = typed(data, DATATYPES, concept_base=WIKIDATA_ENTITY)
    assert [column for column, _ in problems] == ['statement.P571', 'statement.P999']
    assert 'P571 (time)' in problems[0][1]
    assert problems[1][1] == 'the property P999 does not exist'


def test_a_statement_has_the_documented_shape():
    [statement] = statements_of(cells(depicts='Q146'))
    assert statement.json() == {
        'mainsnak': {
            'snaktype': 'value',
            'property': 'P180',
            'datatype': 'wikibase-item',
            'datavalue': {
                'value': {'entity-type': 'item', 'numeric-id': 146, 'id': 'Q146'},
                'type': 'wikibase-entityid',
            },
        },
        'type': 'statement',
        'rank': 'normal',
    }


# -- the merge with the entity the file has ------------------------------------------------

ROW = dict(
    caption__en='A cat',
    caption__de='Eine Katze',
    depicts='Q146;Q42',
    statement__P571='1890',
    statement__P275='Q18199165',
    statement__P1259='52.5163,13.377',
    statement__P2048='12 Q11573',
    statement__P1476='en:Cat',
    statement__P217='Inv. 12',
    statement__P214='113230702',
    statement__P973='https://example.org/cat',
)


def test_an_entity_without_data_gets_every_caption_and_statement():
    data = cells(**ROW)
    edit = merge({'id': 'M5', 'missing': ''}, data, statements_of(data))
    assert edit.data['labels'] == {
        'en': {'language': 'en', 'value': 'A cat'},
        'de': {'language': 'de', 'value': 'Eine Katze'},
    }
    assert [c['mainsnak']['property'] for c in edit.data['claims']] == [
        'P180',
        'P180',
        'P571',
        'P275',
        'P1259',
        'P2048',
        'P1476',
        'P217',
        'P214',
        'P973',
    ]
    assert set(edit.data) == {'labels', 'claims'}


def entity_after(edit_data, lastrevid=7):
    """The entity as wbgetentities would give it after the edit (statements get ids)."""
    statements = {}
    for number, claim in enumerate(edit_data.get('claims', [])):
        statements.setdefault(claim['mainsnak']['property'], []).append({**claim, 'id': f'M5${number}'})
    return {
        'type': 'mediainfo',
        'id': 'M5',
        'lastrevid': lastrevid,
        'labels': edit_data.get('labels', {}),
        'statements': statements,
    }


def test_an_entity_that_has_everything_needs_no_edit():
    data = cells(**ROW)
    first = merge({'id': 'M5', 'missing': ''}, data, statements_of(data))
    assert merge(entity_after(first.data), data, statements_of(data)).empty


def test_values_the_wiki_wrote_its_own_way_are_not_added_again():
    data = cells(statement__P571='1890', statement__P2048='12', statement__P1259='52.5,13.4')
    entity = {
        'id': 'M5',
        'labels': [],
        'statements': {
            'P571': [
                {
                    'mainsnak': {
                        'snaktype': 'value',
                        'property': 'P571',
                        'datavalue': {
                            'type': 'time',
                            'value': {
                                'time': '+1890-01-01T00:00:00Z',
                                'precision': 9,
                                'timezone': 0,
                                'before': 0,
                                'after': 0,
                                'calendarmodel': GREGORIAN,
                            },
                        },
                    }
                }
            ],
            'P2048': [
                {
                    'mainsnak': {
                        'snaktype': 'value',
                        'property': 'P2048',
                        'datavalue': {'type': 'quantity', 'value': {'amount': '+12.0', 'unit': '1'}},
                    }
                }
            ],
            'P1259': [
                {
                    'mainsnak': {
                        'snaktype': 'value',
                        'property': 'P1259',
                        'datavalue': {
                            'type': 'globecoordinate',
                            'value': {
                                'latitude': 52.50003,
                                'longitude': 13.39999,
                                'altitude': None,
                                'precision': 0.1,
                                'globe': EARTH,
                            },
                        },
                    }
                }
            ],
        },
    }
    assert merge(entity, data, statements_of(data)).empty


def test_only_the_missing_statement_is_added():
    data = cells(depicts='Q146;Q42')
    entity = entity_after(merge(None, cells(depicts='Q146'), statements_of(cells(depicts='Q146'))).data)
    edit = merge(entity, data, statements_of(data))
    assert [c['mainsnak']['datavalue']['value']['id'] for c in edit.data['claims']] == ['Q42']
    assert 'labels' not in edit.data


def test_another_value_of_the_same_property_is_added():
    data = cells(statement__P571='1891')
    entity = entity_after(
        merge(None, cells(statement__P571='1890'), statements_of(cells(statement__P571='1890'))).data
    )
    assert len(merge(entity, data, statements_of(data)).data['claims']) == 1


def test_a_caption_in_other_words_is_kept_and_reported():
    data = cells(caption__en='A cat', caption__de='Eine Katze')
    entity = {'id': 'M5', 'labels': {'en': {'language': 'en', 'value': 'Felis catus'}}, 'statements': []}
    edit = merge(entity, data, [])
    assert edit.data == {'labels': {'de': {'language': 'de', 'value': 'Eine Katze'}}}
    assert edit.kept == (
        'caption en kept as "Felis catus" (the row has "A cat"; -captions:replace replaces it)',
    )


def test_replace_captions_sends_the_rows_caption():
    data = cells(caption__en='A cat')
    entity = {'id': 'M5', 'labels': {'en': {'language': 'en', 'value': 'Felis catus'}}}
    edit = merge(entity, data, [], replace_captions=True)
    assert edit.data == {'labels': {'en': {'language': 'en', 'value': 'A cat'}}}
    assert edit.kept == ()


def test_the_row_can_ask_to_replace_its_captions():
    data = cells(caption__en='A cat', captions='replace')
    entity = {'id': 'M5', 'labels': {'en': {'language': 'en', 'value': 'Felis catus'}}}
    assert merge(entity, data, []).data['labels']['en']['value'] == 'A cat'


def test_the_same_caption_is_not_sent_again():
    data = cells(caption__en='A cat')
    entity = {'id': 'M5', 'labels': {'en': {'language': 'en', 'value': 'A cat'}}}
    assert merge(entity, data, []).empty


def test_a_value_repeated_in_the_row_is_sent_once():
    data = cells(depicts='Q146', statement__P180='Q146')
    assert len(merge(None, data, statements_of(data)).data['claims']) == 1


def test_somevalue_statements_do_not_count_as_a_value():
    data = cells(depicts='Q146')
    entity = {
        'id': 'M5',
        'statements': {'P180': [{'mainsnak': {'snaktype': 'somevalue', 'property': 'P180'}}]},
    }
    assert len(merge(entity, data, statements_of(data)).data['claims']) == 1


def test_items_are_the_same_by_id_or_numeric_id():
    assert same_value(
        datavalue('wikibase-item', 'Q5'),
        {'type': 'wikibase-entityid', 'value': {'entity-type': 'item', 'numeric-id': 5}},
    )
    assert not same_value(datavalue('wikibase-item', 'Q5'), datavalue('wikibase-item', 'Q6'))


def test_captions_and_strings_are_compared_as_wikibase_stores_them_in_nfc():
    decomposed = 'Cafe\u0301'
    assert cells(caption__fr=decomposed).captions[0].text == 'Caf\u00e9'
    assert datavalue('string', decomposed)['value'] == 'Caf\u00e9'
