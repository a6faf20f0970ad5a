"""-exif: the date taken and the camera's position, from the photograph itself."""

from __future__ import annotations

import pytest

from uploadbot.describe.exif import add_location, read_exif

from .files import jpeg_bytes, photo_with_exif


def test_date_taken_is_read_in_iso_form(tmp_path):
    path = tmp_path / 'p.jpg'
    path.write_bytes(photo_with_exif(taken='2019:05:06 07:08:09', place=None))
    assert read_exif(path).date == '2019-05-06 07:08:09'


def test_gps_position_becomes_signed_decimal_degrees(tmp_path):
    path = tmp_path / 'p.jpg'
    path.write_bytes(photo_with_exif(place=(-33.8568, 151.2153)))
    facts = read_exif(path)
    assert facts.latitude == pytest.approx(-33.8568, abs=1e-4)
    assert facts.longitude == pytest.approx(151.2153, abs=1e-4)


def test_an_image_without_exif_gives_no_facts(tmp_path):
    path = tmp_path / 'p.jpg'
    path.write_bytes(jpeg_bytes(3000))
    facts = read_exif(path)
    assert (facts.date, facts.has_place) == (None, False)


def test_a_file_that_is_no_image_gives_no_facts(tmp_path):
    path = tmp_path / 'p.svg'
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert read_exif(path).has_place is False


def test_location_goes_right_after_the_information_template():
    text = '== Summary ==\n{{Information|description=x}}\n== Licensing ==\n{{cc-zero}}\n'
    assert add_location(text, 52.52, -13.41) == (
        '== Summary ==\n{{Information|description=x}}\n{{Location|52.520000|-13.410000}}\n'
        '== Licensing ==\n{{cc-zero}}\n'
    )


def test_location_is_appended_when_there_is_no_information_template():
    assert add_location('Just text\n', 1.5, 2.5) == 'Just text\n{{Location|1.500000|2.500000}}\n'


def test_a_page_with_a_location_keeps_its_own():
    text = '{{Information|description=x}}\n{{Location|1|2}}\n'
    assert add_location(text, 52.0, 13.0) == text


@pytest.mark.wiki
def test_exif_fills_the_date_and_adds_the_location_on_the_wiki(batch, wiki, name):
    batch.add(f'{name}.jpg', content=photo_with_exif(seed=name), date='')
    batch.template.write_text(
        '{{Information|description={{{description}}}|date={{{date|}}}|author=Me}}\n{{cc-zero}}\n'
    )
    batch.run('-exif', check=True)
    text = wiki.page_text(f'File:{name}.jpg')
    assert 'date=2019-05-06 07:08:09' in text
    assert '{{Location|52.520000|-13.410000}}' in text
    html = wiki.get(action='parse', page=f'File:{name}.jpg')['parse']['text']
    assert 'class="latitude">52.520000' in html


@pytest.mark.wiki
def test_a_date_in_the_row_wins_over_the_exif_date(batch, wiki, name):
    batch.add(f'{name}.jpg', content=photo_with_exif(seed=name), date='1999-12-31')
    batch.template.write_text('{{Information|description={{{description}}}|date={{{date|}}}}}\n{{cc-zero}}\n')
    batch.run('-exif', check=True)
    assert 'date=1999-12-31' in wiki.page_text(f'File:{name}.jpg')
