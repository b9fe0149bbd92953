"""Read provider attributes in the shape of costing/data/providers.csv into ProviderProfiles.

Pure CSV parsing (no database), so tests and the command line can score the real providers.
Blank cells mean "not established" and stay unknown; limited or in-progress certifications are
kept apart and never counted as held.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from .profiles import ProviderProfile

COUNTRIES = {
    "us": "US",
    "usa": "US",
    "united states": "US",
    "germany": "DE",
    "france": "FR",
    "netherlands": "NL",
    "finland": "FI",
    "canada": "CA",
    "uk": "GB",
    "united kingdom": "GB",
    "ireland": "IE",
    "sweden": "SE",
    "switzerland": "CH",
}
# Normalised certification names, matched on the lower-cased text without spaces.
CERTIFICATIONS = (
    ("secnumcloud", "secnumcloud"),
    ("iso27001", "iso27001"),
    ("iso27017/18", "iso27017"),
    ("iso27017", "iso27017"),
    ("iso27018", "iso27018"),
    ("iso27701", "iso27701"),
    ("iso42001", "iso42001"),
    ("iso22301", "iso22301"),
    ("soc2typeii", "soc2_type2"),
    ("soc2type2", "soc2_type2"),
    ("soc2", "soc2"),
    ("soc1", "soc1"),
    ("soc3", "soc3"),
    ("c5(type2", "c5_type2"),
    ("c5type2", "c5_type2"),
    ("c5(type1", "c5_type1"),
    ("c5type1", "c5_type1"),
    ("hds", "hds"),
    ("ensalta", "ens_alta"),
    ("ensmedia", "ens_media"),
    ("hipaabaa", "hipaa_baa"),
    ("hipaa", "hipaa"),
)
LIMITED = ("in progress", "specific offers", "may not include", "eligible services", "scope")
GENERAL_KNOWLEDGE = re.compile(r"(HQ|headquarters)[^;.]*(general knowledge|not verified)", re.I)


def country_code(text: str) -> str | None:
    """'US (Amazon.com Inc.)' -> 'US'; 'unclear' or blank -> None (not established)."""
    head = text.split("(")[0].strip().lower()
    return COUNTRIES.get(head)


def parse_certifications(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(held, limited): a certification noted as in progress or scoped to some offers is limited."""
    held: set[str] = set()
    limited: set[str] = set()
    for item in filter(None, (part.strip() for part in text.split(";"))):
        key = item.lower().replace(" ", "").replace("_", "")
        name = next((n for prefix, n in CERTIFICATIONS if key.startswith(prefix)), None)
        if name is None:
            continue
        (limited if any(word in item.lower() for word in LIMITED) else held).add(name)
        if name == "iso27017" and "17/18" in item:
            (limited if any(w in item.lower() for w in LIMITED) else held).add("iso27018")
    return frozenset(held), frozenset(limited)


def _answer(text: str) -> str:
    value = text.strip().lower()
    return value if value in ("yes", "no", "na") else "unknown"


def provider_from_row(row: dict[str, str]) -> ProviderProfile:
    """One CSV row to a profile; unestablished cells stay unknown."""
    held, limited = parse_certifications(row.get("certifications", ""))
    exposure = row.get("subject_to_us_cloud_act", "").strip().lower()
    hq = row.get("headquarters_country", "")
    notes = row.get("notes", "")
    unverified = "unverified" in hq.lower() or bool(GENERAL_KNOWLEDGE.search(notes))
    certs_text = row.get("certifications", "").lower() + " " + notes.lower()
    return ProviderProfile(
        name=row["provider"].strip(),
        headquarters_country=country_code(hq),
        parent_country=country_code(row.get("parent_company_country", "")),
        us_cloud_act_exposure=exposure if exposure in ("yes", "no", "unclear") else "unknown",
        eu_residency_offer=row.get("eu_data_boundary_or_residency_offer", "").strip(),
        certifications=held,
        limited_certifications=limited,
        customer_managed_keys=_answer(row.get("customer_managed_keys", "")),
        zero_data_retention=_answer(row.get("api_zero_data_retention_available", "")),
        trains_on_api_data_by_default=_answer(row.get("trains_on_api_data_by_default", "")),
        baa_available=True if "baa" in certs_text else None,
        facts_verified=not unverified,
        notes=notes.strip(),
    )


def load_providers(path: Path | str) -> dict[str, ProviderProfile]:
    """Every provider of a providers.csv file, by name."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return providers_from_rows(csv.DictReader(handle))


def providers_from_rows(rows: Iterable[dict[str, str]]) -> dict[str, ProviderProfile]:
    profiles = (provider_from_row(row) for row in rows if row.get("provider", "").strip())
    return {p.name: p for p in profiles}
