"""The planner reads structured-data columns, from the row or the batch's defaults."""

from __future__ import annotations

import pytest

from uploadbot.api.wikibase import BATCH, repository_entities
from uploadbot.batch.manifest import read_manifest
from uploadbot.batch.plan import Planner
from uploadbot.describe.mediainfo_cells import is_structured_column
from uploadbot.policy import Policy

from .files import jpeg_bytes
from .scripted import ScriptedTransfer


def plan(tmp_path, header: str, *rows: str, defaults=None, **options):
    for number in range(len(rows)):
        (tmp_path / f'{number}.jpg').write_bytes(jpeg_bytes(1000, seed=number))
    (tmp_path / 'description.wiki').write_text('{{{description}}}')
    manifest = tmp_path / 'batch.csv'
    manifest.write_text('\n'.join([header, *rows]) + '\n', encoding='utf-8')
    return Planner(
        read_manifest(manifest, defaults=defaults),
        policy=Policy.defaults(),
        summary='s',
        template=tmp_path / 'description.wiki',
        **options,
    ).plan()


def test_structured_columns_need_no_template_field(tmp_path):
    result = plan(
        tmp_path,
        'file,filename,description,caption.en,depicts,statement.P571',
        '0.jpg,A.jpg,d,A cat,Q146,1890',
    )
    assert result.problems == []
    data = result.items[0].structured
    assert data.describe() == 'caption en "A cat"; P180 Q146; P571 1890'


def test_bad_structured_cells_are_named_by_row_and_column(tmp_path):
    result = plan(
        tmp_path, 'file,filename,description,caption.en,depicts', '0.jpg,A.jpg,d,' + 'x' * 251 + ',Q146;dog'
    )
    assert [(problem.row, problem.field) for problem in result.problems] == [
        (2, 'caption.en'),
        (2, 'depicts'),
    ]
    assert result.items == [] and len(result.refused) == 1


def test_batch_wide_depicts_comes_from_a_field_option(tmp_path):
    result = plan(
        tmp_path,
        'file,filename,description',
        '0.jpg,A.jpg,d',
        '1.jpg,B.jpg,d',
        defaults={'depicts': 'Q146', 'statement.P275': 'Q18199165'},
    )
    assert [item.structured.describe() for item in result.items] == ['P180 Q146; P275 Q18199165'] * 2


def test_the_depicts_property_option_reaches_the_rows(tmp_path):
    result = plan(tmp_path, 'file,filename,description,depicts', '0.jpg,A.jpg,d,Q1', depicts_property='P9')
    assert result.items[0].structured.statements[0].property == 'P9'


def test_yaml_defaults_give_captions_to_every_row(tmp_path):
    (tmp_path / '0.jpg').write_bytes(jpeg_bytes(1000, seed=0))
    (tmp_path / 'description.wiki').write_text('{{{description}}}')
    manifest = tmp_path / 'batch.yaml'
    manifest.write_text(
        'defaults:\n  caption.de: Eine Katze\nrows:\n  - {file: 0.jpg, filename: A.jpg, description: d}\n'
    )
    result = Planner(
        read_manifest(manifest), policy=Policy.defaults(), summary='s', template=tmp_path / 'description.wiki'
    ).plan()
    assert result.items[0].structured.captions[0].text == 'Eine Katze'


def test_repository_ids_are_read_fifty_a_request():
    ids = [f'Q{number}' for number in range(1, 121)]

    def answer(**params):
        asked = params['ids'].split('|')
        assert len(asked) <= BATCH and params['props'] == 'datatype'
        return {
            'entities': {
                name: ({'id': name, 'missing': ''} if name == 'Q7' else {'id': name, 'type': 'item'})
                for name in asked
            }
        }

    transfer = ScriptedTransfer(*[('wbgetentities', answer)] * 3)
    found = repository_entities(transfer, ids)
    assert transfer.finished()
    assert len(found) == 119 and 'Q7' not in found


@pytest.mark.parametrize('column', ['caption.en', 'Caption.EN', 'depicts', 'statement.P1', 'captions'])
def test_structured_column_names_are_recognised(column):
    assert is_structured_column(column)
