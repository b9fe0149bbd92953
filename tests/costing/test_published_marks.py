"""What a version's publication works out once for every scenario build (which cloud offers
another of their place undercuts, how each API model name reads), and that a build reading it
chooses the same offers as one working it out from the rows."""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from costing.api_candidates import serving
from costing.cloud_candidates import priced_candidates
from costing.engine.api_models import NAME_READING, ServedName
from costing.models import ApiOffer, Catalog, CloudGpuOffer, GpuSpec, Provider
from costing.scenarios import scenario_document_for
from costing.selectors import current_catalogs, offers_for
from costing.services import (
    catalog_publish,
    catalog_version_create,
    private_catalog_create,
)
from portal.models import Workload
from portal.services.demo import demo_organization_load
from tests.costing.catalog_data import runpod_l40s_pod as pod

URL = "https://example.org/pod-prices"


@pytest.fixture
def demo(loaded):
    return demo_organization_load(username="claire", password="demo-pass-1234")


def _draft_public() -> Catalog:
    """A new draft of the public catalog, in force from the day after the shipped one."""
    current = Catalog.objects.public().get()
    return catalog_version_create(
        catalog=current, version="next", effective_date=current.effective_date + timedelta(1)
    )


def _pod_instances(organization) -> set[str]:
    document = scenario_document_for(organization=organization)
    return {o["instance"] for o in document["offers"]["cloud_gpu"] if o["instance"][:4] == "pod "}


def test_publication_marks_the_offers_their_own_place_undercuts(demo):
    """A (1.00, spot 0.50) undercuts C (1.20, 0.60) in CZ; B is dearer on demand but cheaper on
    spot; D is C's price in another region; C's older row is cheaper but superseded."""
    draft = _draft_public()
    rows = {
        "A": pod(draft, "pod A", "CZ", "1.00", "0.50"),
        "B": pod(draft, "pod B", "CZ", "1.20", "0.40"),
        "C": pod(draft, "pod C", "CZ", "1.20", "0.60"),
        "C before": pod(draft, "pod C", "CZ", "0.90", "0.30", date=date.today() - timedelta(30)),
        "D": pod(draft, "pod D", "SE", "1.20", "0.60"),
    }  # fmt: skip
    published = catalog_publish(catalog=draft)
    assert published.cloud_offers_compared
    marks = {name: CloudGpuOffer.objects.in_catalog(published).get(pk=row.pk).undercut_in_place
             for name, row in rows.items()}  # fmt: skip
    assert marks == {"A": False, "B": False, "C": True, "C before": True, "D": False}
    assert _pod_instances(demo) == {"pod A", "pod B", "pod D"}


def test_a_version_whose_prices_hold_on_some_days_only_is_compared_at_each_build(demo):
    draft = _draft_public()
    pod(draft, "pod A", "CZ", "1.00", "0.50", valid_from=timezone.localdate() - timedelta(400))
    pod(draft, "pod C", "CZ", "1.20", "0.60")
    published = catalog_publish(catalog=draft)
    assert not published.cloud_offers_compared
    assert not CloudGpuOffer.objects.in_catalog(published).filter(undercut_in_place__isnull=False)
    assert _pod_instances(demo) == {"pod A"}


def test_a_build_reads_the_marks_and_without_them_compares_the_rows(demo):
    draft = _draft_public()
    cheaper = pod(draft, "pod A", "CZ", "1.00", "0.50")
    dearer = pod(draft, "pod C", "CZ", "1.20", "0.60")
    published = catalog_publish(catalog=draft)
    # Marks that disagree with the prices show which of the two the build went by.
    rows = CloudGpuOffer.objects.in_catalog(published)
    rows.filter(pk=cheaper.pk).update(undercut_in_place=True)
    rows.filter(pk=dearer.pk).update(undercut_in_place=False)
    assert _pod_instances(demo) == {"pod C"}
    Catalog.objects.public().filter(pk=published.pk).update(cloud_offers_compared=False)
    assert _pod_instances(demo) == {"pod A"}


def test_an_organizations_own_offer_hiding_the_cheaper_public_one_brings_back_the_next(demo):
    """Public pod A undercuts pod C in CZ, so publication marks C; an organization that has
    negotiated pod A at 2.00 no longer sees the public A: C is its cheapest in CZ (and
    undercuts its own A)."""
    draft = _draft_public()
    pod(draft, "pod A", "CZ", "1.00", "0.50")
    pod(draft, "pod C", "CZ", "1.20", "0.60")
    catalog_publish(catalog=draft)
    own = private_catalog_create(
        organization=demo, name="Negotiated", version="1", currency="USD",
        effective_date=timezone.localdate(),
    )  # fmt: skip
    pod(own, "pod A", "CZ", "2.00", organization=demo)
    catalog_publish(catalog=own, organization=demo)
    assert _pod_instances(demo) == {"pod C"}


def _with(catalog: Catalog, **fields) -> Catalog:
    """The catalog as loaded, with other values in memory only."""
    changed = copy.copy(catalog)
    for name, value in fields.items():
        setattr(changed, name, value)
    return changed


PROVIDERS = ("RunPod", "Lambda", "AWS")
REGIONS = ("CZ", "SE", "us-east-1")


def _random_rows(draft, rng: random.Random, count: int) -> None:
    """Offers of a few places, GPUs and currencies, with prices from a short list (so that
    ties happen), missing prices, and older rows of the same offer."""
    providers = {name: Provider.objects.public().get(name=name) for name in PROVIDERS}
    gpus = list(GpuSpec.objects.public().filter(name__in=["NVIDIA L40S", "NVIDIA H100 SXM"]))
    prices = [None, Decimal("0.8"), Decimal("1.0"), Decimal("1.2"), Decimal("1.5")]
    rows = []
    for index in range(count):
        gpu = rng.choice(gpus)
        on_demand = rng.choice(prices[1:])
        rows.append(
            CloudGpuOffer(
                provider=providers[rng.choice(PROVIDERS)],
                instance=f"gen-{index % (count // 3)}",  # a third reappear: older rows
                region=rng.choice(REGIONS),
                gpu_name=gpu.name,
                gpu=gpu,
                gpu_count=rng.choice((1, 2)),
                on_demand_per_hour=on_demand,
                reserved_1y_per_hour=rng.choice(prices),
                spot_per_hour=rng.choice(prices),
                currency=rng.choice(("USD", "EUR")),
                date=timezone.localdate() - timedelta(rng.randrange(3)),
                source_url=URL,
            )
        )
    CloudGpuOffer.objects.bulk_create_in(draft, rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_marks_choose_the_offers_the_rows_would(demo, seed):
    """Random versions of 300 generated offers: with and without the marks, the same offers
    can price an option, with every place apart and with places admitted alike."""
    rng = random.Random(seed)
    draft = _draft_public()
    _random_rows(draft, rng, 300)
    catalog_publish(catalog=draft)
    classes = {(p, r): frozenset(rng.sample(["eu", "public", "bank"], rng.randrange(4)))
               for p in PROVIDERS for r in REGIONS}  # fmt: skip

    def admits(place):
        return classes.get((place.provider, place.region), frozenset({"eu", "public", "bank"}))

    on = timezone.localdate()
    rows = offers_for(organization=demo, kind="cloud_gpu", on=on)
    marked = current_catalogs(organization=demo, on=on)
    unmarked = [_with(c, cloud_offers_compared=False) for c in marked]
    for by_rules in (None, admits):
        with_marks, _ = priced_candidates(rows, marked, None, by_rules)
        without, _ = priced_candidates(rows, unmarked, None, by_rules)
        assert sorted(with_marks) == sorted(without)
        assert len(with_marks) < rows.count()
    assert CloudGpuOffer.objects.in_catalog(marked[0]).filter(undercut_in_place=True).count() > 50


def test_publication_reads_each_api_model_name(demo):
    public = Catalog.objects.public().get()
    assert public.api_names_read_with == NAME_READING
    rows = list(ApiOffer.objects.in_catalog(public))
    assert rows
    assert all(row.served_as == ServedName.of(row.model_name).key for row in rows)
    assert "3.3 70b llama" in {row.served_as for row in rows}


def test_api_rows_read_at_publication_serve_the_models_reading_every_name_would(demo):
    on = timezone.localdate()
    rows = offers_for(organization=demo, kind="api", on=on)
    models = {w.model.name for w in Workload.objects.for_organization(demo) if w.model}
    read = current_catalogs(organization=demo, on=on)
    unread = [_with(c, api_names_read_with=None) for c in read]
    with_readings = {(r.provider.name, r.model_name) for r in serving(rows, models, read)}
    reading_now = {(r.provider.name, r.model_name) for r in serving(rows, models, unread)}
    assert with_readings == reading_now
    # Names other than the model's own serve it, and other models' rows stay out.
    assert {name for _, name in with_readings} - models
    assert len(with_readings) < rows.count()


def test_names_read_as_this_reading_says():
    """If one of these fails, the reading of names changed: bump NAME_READING, so that
    versions published with the old reading are matched name by name again."""
    assert NAME_READING == 2
    readings = {
        "accounts/fireworks/models/llama-v3p3-70b-instruct": "3.3 70b llama",
        "Meta-Llama-3_3-70B-Instruct": "3.3 70b llama",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo": "3.3 70b llama",
        "llama3-70b-8192": "3 70b 8192 llama",
        "whisper-large-v3-turbo": "3 large turbo whisper",
        "mistralai/Mistral-Small-24B-Instruct-2501": "24b 2501 mistral small",
        "gpt-4o-2024-08-06": "06 08 2024 4o gpt",
        "Llama-4-Maverick-17Bx128E-Instruct-FP8": "128e 17b 4 llama maverick",
    }
    assert {name: ServedName.of(name).key for name in readings} == readings
