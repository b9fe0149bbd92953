"""Cash flows of a shared owned fleet: the refresh schedule over the horizon."""

from __future__ import annotations

import numpy as np
import pytest

from costing.engine.cashflows import Drivers, FleetTerms, owned_fleet
from costing.engine.scenario import Assumptions
from tests.timing import finishes_within

MONTHS = 24


def _terms(life_months: int) -> FleetTerms:
    return FleetTerms(
        server_price=100_000.0,
        gpus_per_server=8,
        power_kw=10.0,
        support_per_year=0.1,
        life_months=life_months,
        tariff_per_kwh=0.2,
        pue=1.3,
        build_per_kw=0.0,
        rent_per_kw_month=None,
        staff_per_fte_year=100_000.0,
        servers_per_fte=50.0,
        software_per_gpu_year=0.0,
    )


def _fleet(life_months: int):
    need = np.full((1, MONTHS), 8.0)
    busy = np.full((1, MONTHS), 8 * 730.0)
    return owned_fleet(need, busy, _terms(life_months), Assumptions(), Drivers(), np.ones((1, 1)))


def test_a_server_is_bought_again_at_the_end_of_each_life():
    """GIVEN one server with a 10-month life over 24 months THEN it is refreshed at months 10
    and 20, each at the full price."""
    flows, _, _ = _fleet(10)
    assert np.flatnonzero(flows["refresh"][0]).tolist() == [10, 20]
    assert flows["refresh"][0, 10] == pytest.approx(100_000.0)


def test_a_life_of_no_months_is_refused_not_refreshed_for_ever():
    """GIVEN a server life of 0 months (terms built by hand, past the schema) THEN the refresh
    schedule refuses it instead of looping on a step of zero."""
    with finishes_within(2), pytest.raises(ValueError, match="life is at least one month, got 0"):
        _fleet(0)
