"""Where data sits in GDPR terms (EEA, adequacy, third country), transfers, and the SEAL level."""

from __future__ import annotations

from dataclasses import dataclass

from .library import Library
from .profiles import OptionProfile, ProviderProfile

SOVEREIGN_QUALIFICATIONS = frozenset({"secnumcloud", "gaia_x_l3"})
_US_ATTRS = (
    "provider.headquarters_country",
    "provider.parent_country",
    "provider.us_cloud_act_exposure",
)


@dataclass(frozen=True)
class Geo:
    """Country tests from the library's jurisdiction lists."""

    eea: frozenset[str]
    adequacy: frozenset[str]

    @classmethod
    def of(cls, library: Library) -> Geo:
        return cls(library.eea, library.adequacy)

    def in_eea(self, country: str | None) -> bool | None:
        # "EU": an offer stating only that it processes in the EU (no country named).
        return None if not country else country.upper() in self.eea or country.upper() == "EU"

    def adequate(self, country: str | None) -> bool:
        """Covered by an Art. 45 decision for everyone (the US only per importer, via the DPF)."""
        return bool(country) and country.upper() in self.adequacy


def us_controlled(provider: ProviderProfile) -> bool:
    """US headquarters or parent, or CLOUD Act exposure established: US law reaches the data."""
    return (
        provider.us_cloud_act_exposure == "yes"
        or provider.headquarters_country == "US"
        or provider.parent_country == "US"
    )


def eea_controlled(provider: ProviderProfile, geo: Geo) -> bool:
    """Headquarters and parent both established in the EEA."""
    return bool(geo.in_eea(provider.headquarters_country)) and bool(
        geo.in_eea(provider.parent_country or None)
    )


def third_country_exposure(o: OptionProfile, geo: Geo) -> tuple[list[str], list[str]]:
    """Where the data leaves the EEA (storage, processing, support access) and what is presumed."""
    exposures: list[str] = []
    presumed: list[str] = []
    if not o.third_party:
        return exposures, presumed
    assert o.provider is not None
    if o.data_location is None:
        exposures.append("data location not established")
        presumed.append("option.data_location")
    elif not geo.in_eea(o.data_location):
        exposures.append(f"stored and processed in {o.data_location}")
    if o.support_access_outside_eea:
        exposures.append("support access from outside the EEA")
    elif o.support_access_outside_eea is None and not (
        eea_controlled(o.provider, geo) and o.provider.us_cloud_act_exposure == "no"
    ):
        exposures.append("support access from outside the EEA not excluded")
        presumed.append("option.support_access_outside_eea")
    return exposures, presumed


def transfer_tool(o: OptionProfile, geo: Geo) -> str | None:
    """The Chapter V tool established for the option, if any: adequacy, DPF or SCCs."""
    p = o.provider
    destination = o.data_location if not geo.in_eea(o.data_location) else None
    destination = destination or (p.headquarters_country if p else None)
    if destination and geo.adequate(destination):
        return "adequacy"
    if p is not None and destination == "US" and p.dpf_certified:
        return "dpf"
    if o.scc_signed:
        return "scc"
    return None


@dataclass(frozen=True)
class SealPlacement:
    """An option's level on the EU Cloud Sovereignty Framework scale; None = not established."""

    level: int | None
    reason: str
    attributes: tuple[str, ...]

    @property
    def level_for_minimums(self) -> int:
        """An unknown level never passes a minimum: it counts as SEAL-0."""
        return 0 if self.level is None else self.level


def place_on_seal(option: OptionProfile, geo: Geo) -> SealPlacement:
    """Place an option on SEAL-0..4 following the library's placement guidance."""
    provider = option.provider
    if option.deployment == "on_premises":
        return SealPlacement(
            4, "Own premises: complete control by the organization", ("deployment",)
        )
    if option.deployment == "colocation":
        if provider is not None and us_controlled(provider):
            return SealPlacement(
                3,
                f"Own hardware and keys in a site of {provider.name}, which is under US control "
                "(physical access only)",
                ("deployment", "provider.us_cloud_act_exposure"),
            )
        return SealPlacement(4, "Own hardware and keys in colocation", ("deployment",))
    assert provider is not None  # OptionProfile refuses third-party options without one
    qualified = option.certifications & SOVEREIGN_QUALIFICATIONS
    if qualified and geo.in_eea(option.data_location):
        return SealPlacement(
            4, f"Offer qualified {', '.join(sorted(qualified))}", ("option.certifications",)
        )
    location = option.data_location
    if location is None:
        return SealPlacement(None, "Data location not established", ("option.data_location",))
    in_eea = bool(geo.in_eea(location))
    if us_controlled(provider):
        if not in_eea:
            return SealPlacement(
                0, f"{provider.name} is under US control and serves from {location}", _US_ATTRS
            )
        if option.support_access_outside_eea is False and provider.us_cloud_act_exposure != "yes":
            return SealPlacement(
                2,
                f"{provider.name}: EU partition with EU-only access, but a US parent",
                (*_US_ATTRS, "option.support_access_outside_eea"),
            )
        return SealPlacement(
            1, f"{provider.name} is under US control, serving from the EEA ({location})", _US_ATTRS
        )
    if provider.us_cloud_act_exposure == "unknown" or not provider.headquarters_country:
        return SealPlacement(
            None,
            f"Control of {provider.name} not established "
            "(headquarters or CLOUD Act exposure blank)",
            _US_ATTRS,
        )
    if not in_eea:
        return SealPlacement(
            0 if not geo.in_eea(provider.headquarters_country) else 1,
            f"{provider.name} serves from {location}, outside the EEA",
            ("option.data_location", "provider.headquarters_country"),
        )
    if eea_controlled(provider, geo) and provider.us_cloud_act_exposure == "no":
        return SealPlacement(
            3, f"{provider.name}: EEA headquarters and parent, no CLOUD Act exposure", _US_ATTRS
        )
    if geo.in_eea(provider.headquarters_country):
        return SealPlacement(
            2,
            f"{provider.name}: EEA headquarters, but parent outside the EEA or not established, "
            f"or CLOUD Act exposure {provider.us_cloud_act_exposure}",
            _US_ATTRS,
        )
    return SealPlacement(
        1,
        f"{provider.name}: headquartered outside the EU ({provider.headquarters_country}), "
        "serving from the EEA",
        _US_ATTRS,
    )
