"""Where an offer's region processes data: the ISO country of a provider's region name.

Providers name regions their own way (``eu-north1``, ``eastus``, ``GRA``, ``fr-par-2``). The
table below maps the names the shipped catalog uses, each from the provider's published region
list; a name it does not know gives ``None`` ("not established"), which the scoring never reads
as the favourable answer. ``EU`` stands for "somewhere in the EU, country not stated".

API offers describe where they process in prose, default first and options after a semicolon
("Processing in EU; US region for supported models; private/self-hosted deployment possible"):
the first clause is where the list price processes, the rest are what a customer may choose
instead, so only the first is read.
"""

from __future__ import annotations

import re
from functools import lru_cache

EU = "EU"

# (provider pattern, region pattern) -> country, first match wins. Sources: the providers'
# region lists (AWS "Regions and Zones", Azure "Azure geographies", Google Cloud "Regions and
# zones", Nebius "Regions", Scaleway "Regions and zones", OVHcloud "Public Cloud regions",
# Oracle "Regions and availability domains").
_REGIONS: tuple[tuple[str, str, str], ...] = (
    (r"", r"^us[-_ ]|^us$|\bUSA?\b|^(east|west|central|north|south)(central)?us\d?$", "US"),
    (r"", r"^(ca|canada)[-_ ]|^canada$", "CA"),
    (r"aws", r"^eu-north-1$", "SE"),
    (r"aws", r"^eu-central-1$", "DE"),
    (r"aws", r"^eu-west-1$", "IE"),
    (r"aws", r"^eu-west-3$", "FR"),
    (r"google", r"^europe-west4$", "NL"),
    (r"google", r"^europe-west1$", "BE"),
    (r"google", r"^europe-west3$", "DE"),
    (r"google", r"^europe-west9$", "FR"),
    (r"nebius", r"^eu-north1$", "FI"),
    (r"nebius", r"^eu-west1$", "FR"),
    (r"scaleway", r"^fr-par", "FR"),
    (r"scaleway", r"^nl-ams", "NL"),
    (r"ovh", r"^(gra|sbg|rbx)\d*$", "FR"),
    (r"oracle", r"^eu-frankfurt-1$", "DE"),
    (r"oracle", r"^eu-paris-1$", "FR"),
    (r"hetzner", r"helsinki", "FI"),
    (r"hetzner", r"falkenstein|nuremberg", "DE"),
    # Colocation markets named by their city (facility.csv names sites this way).
    (r"", r"\bfrankfurt\b|\bberlin\b|\bmunich\b", "DE"),
    (r"", r"\bparis\b|\bmarseille\b", "FR"),
    (r"", r"\bamsterdam\b", "NL"),
    (r"", r"\bdublin\b", "IE"),
    (r"", r"\bstockholm\b", "SE"),
    (r"", r"\bmilan\b", "IT"),
    (r"", r"\bmadrid\b", "ES"),
    (r"", r"\blondon\b", "GB"),
    (r"", r"\bnorway\b|^no-", "NO"),
    (r"", r"\bfinland\b", "FI"),
    (r"", r"\bnetherlands\b", "NL"),
    (r"", r"\bgermany\b", "DE"),
    (r"", r"\bfrance\b", "FR"),
    (r"", r"^\(?eu\)?$", EU),
    # An API's default processing stated in words (Mistral AI: "Processing in EU").
    (r"", r"^(processing|processed|hosted) in (the )?eu\b", EU),
)
# "EU" or "(EU, zone not stated)": inside the EU, the country left open.
_EU_ONLY = re.compile(r"^\(?eu(\)|,|$)", re.IGNORECASE)
_COMPILED = tuple(
    (re.compile(p, re.IGNORECASE), re.compile(r, re.IGNORECASE), c) for p, r, c in _REGIONS
)
# Region cells that state several places, or none: the location is not established.
_SEVERAL = re.compile(r"/|\(all\)|all regions|not stated|marketplace|global|\(list\)", re.I)


# A catalog of feeds repeats a few hundred (provider, region) pairs over thousands of offers.
@lru_cache(maxsize=8192)
def data_location(provider: str, region: str) -> str | None:
    """ISO 3166 alpha-2 country (or ``EU``) where the offer processes data; None if unknown."""
    text = (region or "").split(";")[0].strip()
    if _EU_ONLY.match(text):
        return EU
    if not text or _SEVERAL.search(text):
        return None
    for provider_pattern, region_pattern, country in _COMPILED:
        if provider_pattern.search(provider or "") and region_pattern.search(text):
            return country
    return None
