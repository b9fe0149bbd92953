"""Catalog import and export through the API: all or nothing, errors by kind, row and field."""

from __future__ import annotations

from costing.models import ApiOffer, CloudGpuOffer, ServerOffer
from tests.costing.api.conftest import BASE
from tests.costing.catalog_data import private_draft, private_published


def _rows(catalog):
    return sorted(
        (row.instance, row.on_demand_per_hour, row.source_url)
        for row in CloudGpuOffer.dangerously_unscoped.filter(catalog=catalog)
    )


def test_bad_rows_are_named_by_kind_row_and_field_and_nothing_is_written(client_as, catalogs):
    catalog = catalogs["catalog"]
    before = _rows(catalog)
    good = {
        "provider": "AWS",
        "instance": "ok",
        "gpu_name": "H100",
        "gpu_count": 8,
        "currency": "USD",
        "on_demand_per_hour": "90",
        "source_url": "https://e.org",
    }
    bad = {**good, "instance": "bad", "on_demand_per_hour": "0", "provider": "Nobody"}
    body = {"rows": {"cloud_gpu": [good, bad], "server": [{"system": "X", "colour": "red"}]}}
    response = client_as("analyst").post(
        f"{BASE}/catalogs/{catalog.pk}/import/", body, format="json"
    )
    assert response.status_code == 400
    errors = {(e["kind"], e["row"], e["field"]) for e in response.json()["errors"]}
    assert ("cloud_gpu", 1, "on_demand_per_hour") in errors
    assert ("cloud_gpu", 1, "provider") in errors
    assert ("server", 0, "colour") in errors
    assert not any(row == 0 for kind, row, _ in errors if kind == "cloud_gpu")
    assert "nothing was written" in response.json()["detail"]
    assert _rows(catalog) == before
    assert ServerOffer.dangerously_unscoped.filter(catalog=catalog).count() == 1


def test_csv_errors_also_give_the_file_line(client_as, catalogs):
    text = (
        "system,currency,price,price_kind,source_url\nA,USD,100,list,https://e.org\nB,USD,x,list,\n"
    )
    response = client_as("analyst").post(
        f"{BASE}/catalogs/{catalogs['catalog'].pk}/import/",
        {"kind": "server", "csv": text},
        format="json",
    )
    assert response.status_code == 400
    price = next(e for e in response.json()["errors"] if e["field"] == "price")
    assert (price["kind"], price["row"], price["line"]) == ("server", 1, 3)


def test_a_dry_run_counts_and_writes_nothing(client_as, catalogs):
    catalog = catalogs["catalog"]
    text = "system,currency,price,price_kind,source_url\nA,USD,100,list,https://e.org\n"
    response = client_as("analyst").post(
        f"{BASE}/catalogs/{catalog.pk}/import/?dry_run=1",
        {"kind": "server", "csv": text},
        format="json",
    )
    assert response.json() == {"dry_run": True, "counts": {"server": 1}}
    assert [s.system for s in ServerOffer.dangerously_unscoped.filter(catalog=catalog)] == [
        "Alice DGX"
    ]


def test_export_then_import_gives_the_same_catalog(client_as, org, catalogs):
    source = catalogs["catalog"]
    client = client_as("analyst")
    document = client.get(f"{BASE}/catalogs/{source.pk}/export/").json()
    assert set(document["rows"]) >= {"cloud_gpu", "api", "server"}
    target, _ = private_draft(org, name="Copy", cloud=0)
    response = client.post(f"{BASE}/catalogs/{target.pk}/import/", document, format="json")
    assert response.status_code == 200, response.json()
    assert client.get(f"{BASE}/catalogs/{target.pk}/export/").json()["rows"] == document["rows"]
    csv_response = client.get(
        f"{BASE}/catalogs/{source.pk}/export/", {"file_format": "csv", "kind": "cloud_gpu"}
    )
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode()
    again = client.post(
        f"{BASE}/catalogs/{target.pk}/import/", {"kind": "cloud_gpu", "csv": text}, format="json"
    )
    assert again.json()["counts"] == {"cloud_gpu": 1}
    assert _rows(target) == _rows(source)
    assert ApiOffer.dangerously_unscoped.filter(catalog=target).count() == 1


def test_csv_export_needs_a_kind(client_as, catalogs):
    response = client_as("viewer").get(
        f"{BASE}/catalogs/{catalogs['catalog'].pk}/export/", {"file_format": "csv"}
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["kind"]


def test_imports_into_public_or_published_catalogs_are_refused(client_as, org, catalogs):
    client = client_as("owner")
    public = catalogs["public_catalog"].pk
    body = {"rows": {"server": []}}
    assert client.post(f"{BASE}/catalogs/{public}/import/", body, format="json").status_code == 403
    published, _ = private_published(org, label="P ")
    response = client.post(f"{BASE}/catalogs/{published.pk}/import/", body, format="json")
    assert response.status_code == 409
    assert ServerOffer.dangerously_unscoped.filter(catalog=published).count() == 1


def test_a_csv_body_names_its_kind_in_the_query(client_as, catalogs):
    catalog = catalogs["catalog"]
    text = "system,currency,price,price_kind,source_url\nA,USD,100,list,https://e.org\n"
    response = client_as("analyst").generic(
        "POST",
        f"{BASE}/catalogs/{catalog.pk}/import/?kind=server",
        text.encode(),
        content_type="text/csv",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["counts"] == {"server": 1}
    assert ServerOffer.dangerously_unscoped.get(catalog=catalog).system == "A"


def test_a_whole_row_error_has_no_field(client_as, catalogs):
    row = {"system": "No source", "currency": "USD", "price": "5", "price_kind": "list"}
    response = client_as("analyst").post(
        f"{BASE}/catalogs/{catalogs['catalog'].pk}/import/",
        {"rows": {"server": [row]}},
        format="json",
    )
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(0, None)]
