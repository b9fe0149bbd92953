"""Criteria on where data is and who controls it: C1 jurisdiction, C2 residency, C8 operations."""

from __future__ import annotations

from .criteria import Raw
from .geography import SOVEREIGN_QUALIFICATIONS, Geo, eea_controlled, transfer_tool, us_controlled
from .profiles import OptionProfile, WorkloadProfile

CONTROL = ("provider.headquarters_country", "provider.parent_country")
EXPOSURE = (*CONTROL, "provider.us_cloud_act_exposure")


def c1_jurisdiction(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    p = o.provider
    if o.deployment == "on_premises":
        return 5, "Own premises: no third party holds the data", ("deployment",)
    if o.deployment == "colocation":
        if p is not None and us_controlled(p):
            reason = f"Own hardware in a site of {p.name} (US control, physical access only)"
            return 4, reason, ("deployment", *EXPOSURE)
        return 5, "Own hardware and keys in colocation, under own control", ("deployment",)
    assert p is not None
    if o.certifications & SOVEREIGN_QUALIFICATIONS:
        reason = "Offer qualified SecNumCloud 3.2 / Gaia-X Label Level 3"
        return 5, reason, ("option.certifications",)
    exposure = p.us_cloud_act_exposure
    unverified = "" if p.facts_verified else " (headquarters from general knowledge, unverified)"
    in_eea = geo.in_eea(o.data_location)
    if us_controlled(p):
        # US headquarters or parent settle the question even where the exposure cell is blank.
        where = f"data in {o.data_location}" if o.data_location else "data location not established"
        reason = (
            f"{p.name} is under US jurisdiction (CLOUD Act / FISA 702 exposure {exposure}; "
            f"caps C1 at 2); {where}{unverified}"
        )
        return (2 if in_eea else 1), reason, (*EXPOSURE, "option.data_location")
    if exposure == "unknown" or not p.headquarters_country:
        return None, f"CLOUD Act exposure or headquarters of {p.name} not established", EXPOSURE
    if exposure == "no" and eea_controlled(p, geo):
        reason = f"{p.name}: EEA headquarters and parent, no CLOUD Act exposure{unverified}"
        return 4, reason, EXPOSURE
    if geo.in_eea(p.headquarters_country):
        parent = p.parent_country or "not established"
        reason = f"{p.name}: EEA headquarters, parent {parent}, CLOUD Act exposure {exposure}"
        return 3, reason + unverified, EXPOSURE
    if geo.adequate(p.headquarters_country):
        reason = (
            f"{p.name}: headquartered in adequacy country {p.headquarters_country}, "
            f"CLOUD Act exposure {exposure}{unverified}"
        )
        return (2 if in_eea else 1), reason, EXPOSURE
    reason = f"{p.name}: headquartered in {p.headquarters_country}, outside EEA and adequacy"
    return 0, reason + unverified, EXPOSURE


def c2_residency(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    loc = o.data_location
    attrs = ("option.data_location", "option.support_access_outside_eea")
    if o.deployment == "on_premises":
        return 5, "Own premises: storage, processing and access under own control", ("deployment",)
    if loc is None:
        return None, "Data location not established", attrs
    if o.deployment == "colocation":
        if geo.in_eea(loc) or loc.upper() == w.organization_country.upper():
            return 5, f"Own hardware in {loc}, access under own control", attrs
        return 2, f"Own hardware in {loc}, outside the EEA", attrs
    if geo.in_eea(loc):
        if o.support_access_outside_eea is False:
            return 4, f"Stored and processed in {loc}; support access from the EEA only", attrs
        if o.support_access_outside_eea:
            return 2, f"Stored in {loc}; support access from outside the EEA (a transfer)", attrs
        return 2, f"Stored in {loc}; support access from outside the EEA not excluded", attrs
    tool = transfer_tool(o, geo)
    attrs = (*attrs, "provider.dpf_certified", "option.scc_signed")
    if tool == "adequacy":
        return 2, f"Stored and processed in {loc}, an adequacy country", attrs
    if tool:
        return 1, f"Stored and processed in {loc} under {tool.upper()}", attrs
    return 0, f"Stored and processed in {loc}, outside the EEA, no transfer tool established", attrs


def c8_operations(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    if o.deployment == "on_premises":
        return 5, "Operated by the organization", ("deployment",)
    if o.deployment == "colocation":
        return (
            4,
            "Operated by the organization; facility staff have physical access",
            ("deployment",),
        )
    p = o.provider
    assert p is not None
    attrs = (*EXPOSURE, "option.support_access_outside_eea")
    eu_support = o.support_access_outside_eea is False
    support = "EU-only support established" if eu_support else "EU-only support not established"
    if us_controlled(p):
        return (2 if eu_support else 1), f"{p.name}: US control; {support}", attrs
    if p.us_cloud_act_exposure == "unknown" or not p.headquarters_country:
        return None, f"Operations and control of {p.name} not established", attrs
    if eea_controlled(p, geo) and p.us_cloud_act_exposure == "no":
        return (3 if eu_support else 2), f"{p.name}: EU company; {support}", attrs
    return (2 if eu_support else 1), f"{p.name}: non-EU links; {support}", attrs
