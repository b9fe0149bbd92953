"""Offers compared across places the rules admit alike: the comparison at once of each GPU,
count and currency's rows keeps exactly the rows that the definition, row against row, keeps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from costing.cloud_candidates import CLOUD_PRICES, not_undercut_across

PLACES = [(provider, region) for provider in (1, 2, 3) for region in ("CZ", "us-east-1")]
RULES = ["eu", "public", "bank"]


def _undercuts(s: tuple, c: tuple) -> bool:
    return all(
        mine is None or (theirs is not None and theirs <= mine)
        for theirs, mine in zip(s[6:], c[6:], strict=True)
    ) and (s[6:] != c[6:])


def _kept_by_definition(rows: list[tuple], rules_of: dict) -> list[int]:
    return [
        c[0]
        for c in rows
        if not any(
            s[3:6] == c[3:6] and rules_of[s[1], s[2]] >= rules_of[c[1], c[2]] and _undercuts(s, c)
            for s in rows
        )
    ]


price = st.sampled_from([None, 0.8, 1.0, 1.2])
row = st.tuples(
    st.sampled_from(PLACES),
    st.sampled_from([(10, 1, "USD"), (10, 2, "USD"), (11, 1, "USD"), (10, 1, "EUR")]),
    st.tuples(*[price] * len(CLOUD_PRICES)),
)
rules = st.fixed_dictionaries({place: st.frozensets(st.sampled_from(RULES)) for place in PLACES})


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=25), rules)
def test_rows_compared_at_once_are_the_rows_the_definition_keeps(drawn, rules_of):
    rows = [(pk, *place, *offer, *prices) for pk, (place, offer, prices) in enumerate(drawn, 1)]
    assert not_undercut_across(rows, rules_of) == _kept_by_definition(rows, rules_of)


def test_a_row_is_undercut_only_from_a_place_admitted_at_least_as_widely():
    cheap = (1, 1, "CZ", 10, 1, "USD", 1.0, None, None, 0.5, None)
    dear = (2, 2, "us-east-1", 10, 1, "USD", 1.2, None, None, 0.6, None)
    alike = {(1, "CZ"): frozenset({"eu"}), (2, "us-east-1"): frozenset({"eu"})}
    assert not_undercut_across([cheap, dear], alike) == [1]
    narrower = {(1, "CZ"): frozenset(), (2, "us-east-1"): frozenset({"eu"})}
    assert not_undercut_across([cheap, dear], narrower) == [1, 2]
    # A price the dearer row lacks does not count against it; one the cheaper lacks does.
    no_spot = (2, 2, "us-east-1", 10, 1, "USD", 1.2, None, None, None, None)
    assert not_undercut_across([cheap, no_spot], alike) == [1]
    no_spot_cheap = (1, 1, "CZ", 10, 1, "USD", 1.0, None, None, None, None)
    assert not_undercut_across([no_spot_cheap, dear], alike) == [1, 2]
    assert not_undercut_across([], alike) == []
