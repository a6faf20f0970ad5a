"""Manifests read alike from every format, and bad ones say where they are bad."""

import csv
import datetime
import json
import pickle
import time

import openpyxl
import pytest
import yaml
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P, S

from uploadbot.batch.formats import KNOWN_COLUMNS
from uploadbot.batch.manifest import (
    Manifest,
    Row,
    read_directory,
    read_manifest,
)
from uploadbot.errors import InputError

HEADER = ['file', 'filename', 'categories', 'description', 'count', 'ratio', 'date']
ROWS = [
    [
        'photos/été.jpg',
        'Été, à Paris.jpg',
        'Paris; Summer 2021 ;',
        'He said "hi", then; left',
        3,
        2.5,
        datetime.date(2021, 5, 4),
    ],
    ['b.png', None, 'Cats', 'line one\nline two', 10, None, None],
    [None] * 7,
    ['c.tif', 'C; semi.tif', None, 'ünïcödé 日本 ‘quotes’', 0, 0.1, datetime.date(2020, 1, 31)],
]
EXPECTED = [
    {
        'file': 'photos/été.jpg',
        'filename': 'Été, à Paris.jpg',
        'categories': 'Paris; Summer 2021 ;',
        'description': 'He said "hi", then; left',
        'count': '3',
        'ratio': '2.5',
        'date': '2021-05-04',
    },
    {'file': 'b.png', 'categories': 'Cats', 'description': 'line one\nline two', 'count': '10'},
    {
        'file': 'c.tif',
        'filename': 'C; semi.tif',
        'description': 'ünïcödé 日本 ‘quotes’',
        'count': '0',
        'ratio': '0.1',
        'date': '2020-01-31',
    },
]


def as_typed(value):
    """A cell as a person types it into a text file."""
    if value is None:
        return ''
    dated = isinstance(value, (datetime.date, datetime.time))
    return value.isoformat() if dated else str(value)


def write_csv(path, rows, delimiter=',', encoding='utf-8'):
    with open(path, 'w', newline='', encoding=encoding) as out:
        csv.writer(out, delimiter=delimiter).writerows([as_typed(v) for v in row] for row in rows)
    return path


def write_xlsx(path, rows, sheets=('Sheet1',)):
    book = openpyxl.Workbook()
    book.active.title = sheets[0]
    for name in sheets[1:]:
        book.create_sheet(name)
    for row in rows:
        book[sheets[-1]].append(row)
    book.save(path)
    return path


def ods_cell(value):
    if value is None:
        return TableCell()
    if isinstance(value, bool):
        cell = TableCell(valuetype='boolean', booleanvalue=str(value).lower())
    elif isinstance(value, (int, float)):
        cell = TableCell(valuetype='float', value=value)
    elif isinstance(value, datetime.date):
        cell = TableCell(valuetype='date', datevalue=value.isoformat())
    elif isinstance(value, datetime.time):
        cell = TableCell(valuetype='time', timevalue=value.strftime('PT%HH%MM%SS'))
    else:
        cell = TableCell(valuetype='string')
    for line in as_typed(value).split('\n'):
        cell.addElement(P(text=line))
    return cell


def write_ods(path, rows, sheets=('Sheet1',)):
    document = OpenDocumentSpreadsheet()
    for name in sheets:
        table = Table(name=name)
        for row in rows if name == sheets[-1] else []:
            line = TableRow()
            for value in row:
                line.addElement(ods_cell(value))
            table.addElement(line)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def as_records(rows):
    for row in rows[1:]:
        if all(value is None for value in row):
            yield None
        else:
            yield {
                key: value.isoformat() if isinstance(value, datetime.date) else value
                for key, value in zip(rows[0], row)
            }


def write_jsonl(path, rows):
    lines = ['' if r is None else json.dumps(r, ensure_ascii=False) for r in as_records(rows)]
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    return path


def write_yaml(path, rows):
    items = [None if all(value is None for value in row) else dict(zip(rows[0], row)) for row in rows[1:]]
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding='utf-8')
    return path


WRITERS = {
    'csv': lambda p, rows: write_csv(p.with_suffix('.csv'), rows),
    'tsv': lambda p, rows: write_csv(p.with_suffix('.tsv'), rows, delimiter='\t'),
    'xlsx': lambda p, rows: write_xlsx(p.with_suffix('.xlsx'), rows),
    'ods': lambda p, rows: write_ods(p.with_suffix('.ods'), rows),
    'jsonl': lambda p, rows: write_jsonl(p.with_suffix('.jsonl'), rows),
    'yaml': lambda p, rows: write_yaml(p.with_suffix('.yaml'), rows),
}
TABULAR = ['csv', 'tsv', 'xlsx', 'ods']


def read(tmp_path, fmt, rows, **options):
    return read_manifest(WRITERS[fmt](tmp_path / 'batch', rows), **options)


def read_text(tmp_path, name, text, **options):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return read_manifest(path, **options)


def error_of(call, *args, **kwargs):
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return caught.value


# The same table in every format


@pytest.mark.parametrize('fmt', WRITERS)
def test_every_format_gives_the_same_fields(tmp_path, fmt):
    manifest = read(tmp_path, fmt, [HEADER] + ROWS)
    assert [dict(row.fields) for row in manifest.rows] == EXPECTED


@pytest.mark.parametrize('fmt', WRITERS)
def test_every_format_gives_the_same_columns(tmp_path, fmt):
    assert read(tmp_path, fmt, [HEADER] + ROWS).columns == tuple(HEADER)


def test_all_formats_agree_with_each_other(tmp_path):
    results = {
        fmt: [dict(row.fields) for row in read(tmp_path, fmt, [HEADER] + ROWS).rows] for fmt in WRITERS
    }
    assert all(fields == results['csv'] for fields in results.values())


@pytest.mark.parametrize('fmt', TABULAR)
def test_tabular_rows_are_numbered_from_2_after_the_header_counting_empty_rows(tmp_path, fmt):
    assert [row.number for row in read(tmp_path, fmt, [HEADER] + ROWS).rows] == [2, 3, 5]


def test_json_lines_rows_are_numbered_by_line_counting_blank_lines(tmp_path):
    assert [row.number for row in read(tmp_path, 'jsonl', [HEADER] + ROWS).rows] == [1, 2, 4]


def test_yaml_rows_are_numbered_by_item_counting_empty_items(tmp_path):
    assert [row.number for row in read(tmp_path, 'yaml', [HEADER] + ROWS).rows] == [1, 2, 4]


# Rows


def test_row_categories_are_split_on_semicolons_stripped_and_without_empties():
    assert Row(2, {'categories': ' Paris;; Summer 2021 ; '}).categories == ['Paris', 'Summer 2021']


def test_row_fields_that_are_absent_read_as_empty():
    row = Row(2, {'file': 'a.jpg'})
    absent = (row.filename, row.policy, row.template, row.summary, row.categories)
    assert absent == ('', '', '', '', [])


def test_row_known_fields_are_properties():
    row = Row(2, {'file': 'a.jpg', 'filename': 'A.jpg', 'policy': 'p', 'template': 't.wiki', 'summary': 's'})
    known = (row.file, row.filename, row.policy, row.template, row.summary)
    assert known == ('a.jpg', 'A.jpg', 'p', 't.wiki', 's')


def test_known_columns_are_listed():
    assert KNOWN_COLUMNS == ('file', 'filename', 'policy', 'template', 'categories', 'summary')


# Values


def test_values_are_stripped(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', 'file,summary\n  a.jpg  , hello \n')
    assert dict(manifest.rows[0].fields) == {'file': 'a.jpg', 'summary': 'hello'}


def test_empty_cells_are_absent_from_the_fields(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', 'file,summary\na.jpg,\n')
    assert dict(manifest.rows[0].fields) == {'file': 'a.jpg'}


@pytest.mark.parametrize('fmt', ['xlsx', 'ods'])
def test_spreadsheet_numbers_with_a_zero_fraction_read_as_integers(tmp_path, fmt):
    manifest = read(tmp_path, fmt, [['file', 'n'], ['a.jpg', 3.0]])
    assert manifest.rows[0].fields['n'] == '3'


@pytest.mark.parametrize('fmt', ['xlsx', 'ods'])
def test_spreadsheet_date_times_keep_their_time(tmp_path, fmt):
    taken = datetime.datetime(2021, 5, 4, 10, 20, 30)
    manifest = read(tmp_path, fmt, [['file', 'taken'], ['a.jpg', taken]])
    assert manifest.rows[0].fields['taken'] == '2021-05-04 10:20:30'


@pytest.mark.parametrize('fmt', ['xlsx', 'ods'])
def test_spreadsheet_times_read_as_clock_times(tmp_path, fmt):
    manifest = read(tmp_path, fmt, [['file', 'at'], ['a.jpg', datetime.time(10, 20, 30)]])
    assert manifest.rows[0].fields['at'] == '10:20:30'


@pytest.mark.parametrize('fmt', ['xlsx', 'ods', 'yaml', 'jsonl'])
def test_booleans_read_as_true_and_false(tmp_path, fmt):
    manifest = read(tmp_path, fmt, [['file', 'a', 'b'], ['x.jpg', True, False]])
    assert (manifest.rows[0].fields['a'], manifest.rows[0].fields['b']) == ('true', 'false')


def test_yaml_categories_may_be_a_list(tmp_path):
    manifest = read_text(tmp_path, 'b.yaml', '- file: a.jpg\n  categories: [Cats, Dogs of Paris]\n')
    assert manifest.rows[0].categories == ['Cats', 'Dogs of Paris']


def test_a_nested_value_is_an_error_naming_row_and_field(tmp_path):
    text = '{"file": "a.jpg"}\n{"file": "b.jpg", "x": {"y": 1}}\n'
    error = error_of(read_text, tmp_path, 'b.jsonl', text)
    assert (error.row, error.field) == (2, 'x')


def test_ods_text_keeps_repeated_spaces(tmp_path):
    cell = TableCell(valuetype='string')
    paragraph = P(text='a')
    paragraph.addElement(S(c=3))
    paragraph.addText('b')
    cell.addElement(paragraph)
    document = OpenDocumentSpreadsheet()
    table = Table(name='Sheet1')
    for cells in ([ods_cell('file'), ods_cell('summary')], [ods_cell('a.jpg'), cell]):
        row = TableRow()
        for item in cells:
            row.addElement(item)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(tmp_path / 'b.ods'))
    assert read_manifest(tmp_path / 'b.ods').rows[0].summary == 'a   b'


def test_ods_repeated_cells_are_expanded(tmp_path):
    document = OpenDocumentSpreadsheet()
    table = Table(name='Sheet1')
    header, data = TableRow(), TableRow()
    header.addElement(ods_cell('file'))
    header.addElement(ods_cell('a'))
    header.addElement(ods_cell('b'))
    data.addElement(ods_cell('x.jpg'))
    repeated = TableCell(valuetype='string', numbercolumnsrepeated=2)
    repeated.addElement(P(text='same'))
    data.addElement(repeated)
    table.addElement(header)
    table.addElement(data)
    document.spreadsheet.addElement(table)
    document.save(str(tmp_path / 'b.ods'))
    fields = read_manifest(tmp_path / 'b.ods').rows[0].fields
    assert dict(fields) == {'file': 'x.jpg', 'a': 'same', 'b': 'same'}


def test_ods_huge_runs_of_empty_rows_and_columns_cost_nothing(tmp_path):
    document = OpenDocumentSpreadsheet()
    table = Table(name='Sheet1')
    for values in (['file'], ['a.jpg']):
        row = TableRow()
        row.addElement(ods_cell(values[0]))
        row.addElement(TableCell(numbercolumnsrepeated=16000))
        table.addElement(row)
    table.addElement(TableRow(numberrowsrepeated=1048000))
    last = TableRow()
    last.addElement(ods_cell('b.jpg'))
    table.addElement(last)
    document.spreadsheet.addElement(table)
    document.save(str(tmp_path / 'b.ods'))
    started = time.monotonic()
    manifest = read_manifest(tmp_path / 'b.ods')
    assert time.monotonic() - started < 5
    assert [row.number for row in manifest.rows] == [2, 1048003]


# Defaults


def test_defaults_fill_absent_fields(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', 'file\na.jpg\n', defaults={'summary': 'batch'})
    assert manifest.rows[0].summary == 'batch'


def test_defaults_fill_empty_cells(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', 'file,summary\na.jpg,\n', defaults={'summary': 'batch'})
    assert manifest.rows[0].summary == 'batch'


def test_row_values_win_over_defaults(tmp_path):
    text = 'file,summary\na.jpg,mine\n'
    manifest = read_text(tmp_path, 'b.csv', text, defaults={'summary': 'batch'})
    assert manifest.rows[0].summary == 'mine'


BATCH = """defaults:
  summary: from the file
  template: desc.wiki
rows:
  - file: a.jpg
  - file: b.jpg
    summary: mine
"""


def test_yaml_batch_file_defaults_apply_to_rows(tmp_path):
    manifest = read_text(tmp_path, 'b.yaml', BATCH)
    assert [row.summary for row in manifest.rows] == ['from the file', 'mine']


def test_caller_defaults_win_over_batch_file_defaults(tmp_path):
    manifest = read_text(tmp_path, 'b.yaml', BATCH, defaults={'summary': 'command line'})
    assert [row.summary for row in manifest.rows] == ['command line', 'mine']


def test_the_manifest_reports_the_merged_defaults(tmp_path):
    manifest = read_text(tmp_path, 'b.yaml', BATCH, defaults={'summary': 'command line'})
    assert dict(manifest.defaults) == {'summary': 'command line', 'template': 'desc.wiki'}


# Delimited text


def test_a_byte_order_mark_does_not_stick_to_the_first_column(tmp_path):
    path = tmp_path / 'b.csv'
    path.write_bytes('file,summary\na.jpg,x\n'.encode('utf-8-sig'))
    assert read_manifest(path).rows[0].file == 'a.jpg'


@pytest.mark.parametrize('delimiter', [';', '\t', ','])
def test_the_csv_delimiter_is_detected(tmp_path, delimiter):
    rows = [['file', 'summary'], ['a.jpg', 'x, y; z']]
    path = write_csv(tmp_path / 'b.csv', rows, delimiter=delimiter)
    assert dict(read_manifest(path).rows[0].fields) == {'file': 'a.jpg', 'summary': 'x, y; z'}


def test_a_single_column_csv_is_read(tmp_path):
    assert read_text(tmp_path, 'b.csv', 'file\na.jpg\nb.jpg\n').columns == ('file',)


def test_tab_extension_is_tab_separated(tmp_path):
    assert read_text(tmp_path, 'b.tab', 'file\tsummary\na.jpg\tx, y\n').rows[0].summary == 'x, y'


def test_broken_quoting_is_an_error_naming_file_and_row(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'file,summary\na.jpg,ok\nb.jpg,"bad"x\n')
    assert (error.path, error.row) == (tmp_path / 'b.csv', 3)


def test_an_unclosed_quote_is_an_error_naming_the_row_where_it_opened(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'file,summary\na.jpg,"open\nb.jpg,x\n')
    assert error.row == 2


def test_a_csv_that_is_not_utf8_is_an_error_naming_row_and_byte_offset(tmp_path):
    path = tmp_path / 'b.csv'
    path.write_bytes('file\na.jpg\ncafé.jpg\n'.encode('latin-1'))
    error = error_of(read_manifest, path)
    assert (error.path, error.row, 'byte offset 14' in error.message) == (path, 3, True)


def test_a_utf16_csv_is_an_error_saying_so(tmp_path):
    path = write_csv(tmp_path / 'b.csv', [['file'], ['a.jpg']], encoding='utf-16')
    assert 'UTF-16' in error_of(read_manifest, path).message


# Headers


def test_header_names_are_stripped(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', ' file , summary \na.jpg,x\n')
    assert manifest.columns == ('file', 'summary')


def test_known_columns_match_in_any_case(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', 'File,FileName,Author\na.jpg,A.jpg,Me\n')
    assert manifest.columns == ('file', 'filename', 'Author')


def test_a_duplicate_header_is_an_error_naming_the_column(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'file,summary,Summary\na.jpg,x,y\n')
    assert (error.row, error.field) == (1, 'summary')


def test_an_empty_header_name_is_an_error_naming_the_column_position(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'file,,summary\na.jpg,x,y\n')
    assert 'column 2' in error.message


def test_trailing_unnamed_empty_columns_are_ignored(tmp_path):
    manifest = read_text(tmp_path, 'b.csv', 'file,summary,,\na.jpg,x,,\n')
    assert manifest.columns == ('file', 'summary')


def test_a_value_under_no_column_name_is_an_error_naming_the_row(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'file\na.jpg\nb.jpg,extra\n')
    assert (error.row, 'column 2' in error.message) == (3, True)


def test_a_missing_file_column_is_an_error_naming_the_file_and_column(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'filename\nA.jpg\n')
    assert (error.path, error.field) == (tmp_path / 'b.csv', 'file')


def test_an_empty_file_cell_is_an_error_naming_row_and_column(tmp_path):
    error = error_of(read_text, tmp_path, 'b.csv', 'file,summary\na.jpg,x\n,y\n')
    assert (error.row, error.field) == (3, 'file')


def test_a_manifest_without_rows_is_an_error(tmp_path):
    assert 'no rows' in error_of(read_text, tmp_path, 'b.csv', 'file,summary\n').message


def test_an_empty_file_is_an_error(tmp_path):
    assert 'empty' in error_of(read_text, tmp_path, 'b.csv', '').message


# Sheets


@pytest.mark.parametrize('fmt', ['xlsx', 'ods'])
def test_the_first_sheet_is_read_by_default(tmp_path, fmt):
    write = write_xlsx if fmt == 'xlsx' else write_ods
    path = write(tmp_path / f'b.{fmt}', [['file'], ['a.jpg']])
    assert read_manifest(path).rows[0].file == 'a.jpg'


@pytest.mark.parametrize('fmt', ['xlsx', 'ods'])
def test_a_named_sheet_is_read(tmp_path, fmt):
    write = write_xlsx if fmt == 'xlsx' else write_ods
    path = write(tmp_path / f'b.{fmt}', [['file'], ['a.jpg']], sheets=('Notes', 'Batch'))
    assert read_manifest(path, sheet='Batch').rows[0].file == 'a.jpg'


@pytest.mark.parametrize('fmt', ['xlsx', 'ods'])
def test_an_unknown_sheet_is_an_error_listing_the_sheets(tmp_path, fmt):
    write = write_xlsx if fmt == 'xlsx' else write_ods
    path = write(tmp_path / f'b.{fmt}', [['file'], ['a.jpg']], sheets=('Notes', 'Batch'))
    assert "'Notes', 'Batch'" in error_of(read_manifest, path, sheet='Other').message


def test_a_sheet_cannot_be_chosen_in_a_csv(tmp_path):
    path = write_csv(tmp_path / 'b.csv', [['file'], ['a.jpg']])
    assert error_of(read_manifest, path, sheet='Batch').path == path


@pytest.mark.parametrize('name', ['b.xlsx', 'b.ods'])
def test_a_spreadsheet_that_is_not_one_is_an_error(tmp_path, name):
    path = tmp_path / name
    path.write_text('file\na.jpg\n')
    assert error_of(read_manifest, path).path == path


# JSON Lines and YAML


def test_invalid_json_is_an_error_naming_the_line(tmp_path):
    error = error_of(read_text, tmp_path, 'b.jsonl', '{"file": "a.jpg"}\n\n{"file": \n')
    assert error.row == 3


def test_a_json_line_that_is_not_an_object_is_an_error(tmp_path):
    assert error_of(read_text, tmp_path, 'b.ndjson', '["a.jpg"]\n').row == 1


def test_a_json_object_with_a_key_twice_in_two_cases_is_an_error(tmp_path):
    assert error_of(read_text, tmp_path, 'b.jsonl', '{"file": "a.jpg", "File": "b.jpg"}\n').row == 1


def test_bad_yaml_is_an_error_giving_the_line(tmp_path):
    error = error_of(read_text, tmp_path, 'b.yml', '- file: a.jpg\n- file: [b.jpg\n')
    assert 'line 3' in error.message


@pytest.mark.parametrize(
    'text',
    [
        'just text\n',
        'file: a.jpg\n',
        'rows: a.jpg\n',
        'rows: []\nother: 1\n',
        'defaults: [1]\nrows:\n  - file: a.jpg\n',
    ],
)
def test_yaml_that_is_neither_a_list_nor_a_batch_file_is_an_error(tmp_path, text):
    assert 'list of rows' in error_of(read_text, tmp_path, 'b.yaml', text).message


def test_a_yaml_row_that_is_not_a_mapping_is_an_error_naming_it(tmp_path):
    assert error_of(read_text, tmp_path, 'b.yaml', '- file: a.jpg\n- b.jpg\n').row == 2


# Files and folders


def test_an_unknown_extension_is_an_error(tmp_path):
    assert '.txt' in error_of(read_text, tmp_path, 'b.txt', 'file\na.jpg\n').message


def test_a_missing_manifest_is_an_error_naming_it(tmp_path):
    assert error_of(read_manifest, tmp_path / 'nope.csv').path == tmp_path / 'nope.csv'


def test_the_folder_of_a_manifest_file_is_its_parent(tmp_path):
    assert read_text(tmp_path, 'b.csv', 'file\na.jpg\n').folder == tmp_path


def make_folder(tmp_path):
    folder = tmp_path / 'photos'
    (folder / 'sub').mkdir(parents=True)
    for name in ('b.jpg', 'a.png', '.hidden.jpg', 'sub/c.jpg'):
        (folder / name).write_bytes(b'x')
    return folder


def test_a_directory_lists_its_visible_files_sorted_and_numbered_from_1(tmp_path):
    manifest = read_directory(make_folder(tmp_path))
    assert [(row.number, dict(row.fields)) for row in manifest.rows] == [
        (1, {'file': 'a.png'}),
        (2, {'file': 'b.jpg'}),
    ]


def test_a_directory_gets_the_defaults(tmp_path):
    manifest = read_directory(make_folder(tmp_path), defaults={'summary': 'batch'})
    assert [row.summary for row in manifest.rows] == ['batch', 'batch']


def test_read_manifest_reads_a_directory_as_one(tmp_path):
    manifest = read_manifest(make_folder(tmp_path))
    assert isinstance(manifest, Manifest)
    assert [row.file for row in manifest.rows] == ['a.png', 'b.jpg']


def test_a_missing_directory_is_an_error_naming_it(tmp_path):
    assert error_of(read_directory, tmp_path / 'nope').path == tmp_path / 'nope'


def test_an_empty_directory_is_an_error(tmp_path):
    assert 'no rows' in error_of(read_directory, tmp_path).message


# The error itself


def test_an_input_error_reads_as_one_line_naming_file_row_and_column():
    error = InputError("the name contains '#'", path='batch.csv', row=7, field='filename')
    assert str(error) == "batch.csv, row 7, column 'filename': the name contains '#'"


def test_an_input_error_leaves_out_the_parts_it_does_not_know():
    assert str(InputError('bad', row=3)) == 'row 3: bad'


def test_an_input_error_without_location_is_just_the_message():
    assert str(InputError('bad')) == 'bad'


def test_an_input_error_message_is_kept_on_one_line():
    assert str(InputError('one\ntwo', path='b.csv')) == 'b.csv: one two'


def test_an_input_error_can_be_located_later():
    error = InputError('bad', field='author').located(path='b.csv', row=4)
    assert str(error) == "b.csv, row 4, column 'author': bad"


def test_an_input_error_survives_pickling():
    error = pickle.loads(pickle.dumps(InputError('bad', path='b.csv', row=2, field='file')))
    assert (error.message, error.path, error.row, error.field) == ('bad', 'b.csv', 2, 'file')


def test_the_folder_of_a_directory_manifest_is_the_directory(tmp_path):
    assert read_directory(make_folder(tmp_path)).folder == tmp_path / 'photos'


def test_a_sheet_for_a_folder_manifest_is_bad_input_not_ignored(tmp_path):
    folder = make_folder(tmp_path)
    error = error_of(read_manifest, folder, sheet='Batch')
    assert (error.path, '-sheet:' in error.message, 'folder' in error.message) == (folder, True, True)


def test_a_rows_fields_read_like_a_mapping_of_its_own_cells(tmp_path):
    path = tmp_path / 'b.csv'
    path.write_text('file,description,author\na.jpg,One,\nb.jpg,,Me\n')
    first, second = read_manifest(path).rows
    assert dict(first.fields) == {'file': 'a.jpg', 'description': 'One'}
    assert (second.fields.get('description'), second.fields['author']) == (None, 'Me')
    assert first.fields == {'description': 'One', 'file': 'a.jpg'}
    with pytest.raises(KeyError):
        first.fields['author']
