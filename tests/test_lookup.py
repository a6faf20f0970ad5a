"""Free names for ``rename``, and titles asked about many per query."""

from __future__ import annotations

from uploadbot.api import lookup


class FakeQueries:
    """Answers ``titles=`` queries from a set of existing titles, counting queries.

    A stand-in for the wiki's query answers in these pure unit tests only; the
    wiki tests check renames against the real sandbox.
    """

    def __init__(self, existing: set[str]) -> None:
        self.existing = existing
        self.queries = 0

    def query(self, **params):
        self.queries += 1
        titles = params['titles'].split('|')
        return {'pages': [{'title': t, **({} if t in self.existing else {'missing': True})} for t in titles]}


def test_numbered_names_start_at_two():
    assert lookup.numbered_names('Foo.jpg', count=3) == ['Foo (2).jpg', 'Foo (3).jpg', 'Foo (4).jpg']


def test_a_numbered_name_goes_on_from_its_number():
    assert lookup.numbered_names('Foo (7).jpg', count=2) == ['Foo (8).jpg', 'Foo (9).jpg']


def test_a_name_without_extension_is_numbered_at_the_end():
    assert lookup.numbered_names('Foo', count=1) == ['Foo (2)']


def test_next_free_name_skips_taken_names_in_one_query():
    wiki = FakeQueries({'File:Foo (2).jpg', 'File:Foo (3).jpg'})
    assert lookup.next_free_name(wiki, 'Foo.jpg') == 'Foo (4).jpg'
    assert wiki.queries == 1


def test_next_free_name_skips_names_claimed_by_this_run():
    wiki = FakeQueries(set())
    assert lookup.next_free_name(wiki, 'Foo.jpg', taken=['Foo (2).jpg']) == 'Foo (3).jpg'


def test_claims_never_hand_out_a_name_twice():
    wiki = FakeQueries(set())
    claims = lookup.NameClaims()
    assert [claims.claim_free_name(wiki, 'Foo.jpg') for _ in range(3)] == [
        'Foo (2).jpg',
        'Foo (3).jpg',
        'Foo (4).jpg',
    ]
