"""Sector, national and policy blocking rules: HIPAA, HDS, section 393 SGB V, SecNumCloud, ENS,
DORA, and the organization's policies (P1 restricted below SEAL-4, P2 residency, P3 minimum SEAL).
"""

from __future__ import annotations

from .blocking import Hit, RuleContext, unestablished
from .geography import third_country_exposure
from .profiles import OptionProfile, WorkloadProfile


def b07(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    phi = w.phi if w.phi is not None else (w.sector == "health" and w.state == "US")
    if not (phi and o.third_party) or o.baa_signed:
        return None
    presumed = unestablished(("workload.phi", w.phi), ("option.baa_signed", o.baa_signed))
    offered = o.provider is not None and o.provider.baa_available
    hint = f"; {o.provider.name} offers a BAA for eligible services" if offered else ""
    return Hit(
        f"PHI on a third-party service without a signed BAA for that service{hint}", presumed
    )


def b08(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if not (w.state == "FR" and w.sector == "health" and w.personal_data):
        return None
    if o.deployment == "on_premises" or (o.deployment == "colocation" and o.provider is None):
        return None
    held = o.all_certifications()
    problems = []
    if "hds" not in held:
        problems.append("host not HDS-certified (none captured)")
    if not ctx.geo.in_eea(o.data_location):
        problems.append(f"hosted in {o.data_location or 'an unestablished location'}, not the EEA")
    if not problems:
        return None
    # A blank certification list means none captured, not none held: say it is presumed.
    presumed = () if held else ("provider.certifications",)
    return Hit(f"French health data: {'; '.join(problems)}", presumed)


def b09(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    actor = w.statutory_health_actor
    if not (w.state == "DE" and w.sector == "health" and w.personal_data and o.third_party):
        return None
    if actor is False:
        return None
    loc = o.data_location
    problems = []
    if not (ctx.geo.in_eea(loc) or ctx.geo.adequate(loc)):
        problems.append(f"processed in {loc or 'an unestablished location'}")
    if not o.german_establishment:
        problems.append("German establishment not established")
    if "c5_type2" not in o.all_certifications():
        problems.append("no current C5 Type 2 attestation captured")
    if not problems:
        return None
    presumed = unestablished(
        ("workload.statutory_health_actor", actor),
        ("option.german_establishment", o.german_establishment),
    )
    return Hit(f"Section 393 SGB V: {'; '.join(problems)}", presumed)


def b10(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    sensitive = w.public_sensitive_data
    if sensitive is None:
        sensitive = w.classification_rank >= 2
    if not (w.state == "FR" and w.sector == "public_sector" and sensitive and o.third_party):
        return None
    if "secnumcloud" in o.certifications:
        return None
    presumed = unestablished(("workload.public_sensitive_data", w.public_sensitive_data))
    return Hit(
        "Sensitive French public-sector data on an offer not SecNumCloud-qualified", presumed
    )


def b11(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    category = w.ens_category or ("media" if w.classification_rank >= 2 else "basica")
    if not (w.state == "ES" and w.sector == "public_sector" and o.third_party):
        return None
    needed = {"media": {"ens_media", "ens_alta"}, "alta": {"ens_alta"}}.get(category)
    if not needed or needed & o.all_certifications():
        return None
    presumed = unestablished(("workload.ens_category", w.ens_category))
    return Hit(
        f"Spanish public-sector system of ENS category {category.upper()} on an offer "
        "without ENS certification at that category",
        presumed,
    )


def b12(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    critical = w.critical_or_important_function
    if not (w.sector == "finance" and o.third_party and critical is not False) or o.dora_contract:
        return None
    presumed = unestablished(
        ("workload.critical_or_important_function", critical),
        ("option.dora_contract", o.dora_contract),
    )
    return Hit(
        "ICT service for a critical or important function without DORA Art. 30 clauses, "
        "an exit strategy and a register entry",
        presumed,
    )


def p1(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if not (w.classification == "restricted" or w.sector == "defence"):
        return None
    if ctx.seal.level_for_minimums >= 4:
        return None
    return Hit(f"Restricted or defence data on an option at SEAL {_seal(ctx)}: {ctx.seal.reason}")


def p2(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    need = w.residency_requirement
    if need == "none":
        return None
    if need == "on_premises":
        return (
            None if o.deployment == "on_premises" else Hit("The workload must stay on own premises")
        )
    if o.deployment == "on_premises":
        return None
    loc = o.data_location
    presumed = unestablished(("option.data_location", loc))
    if need == "country" and (loc or "").upper() != w.organization_country.upper():
        return Hit(
            f"Data must stay in {w.organization_country}; "
            f"the option serves from {loc or 'an unestablished location'}",
            presumed,
        )
    if need == "eu_eea":
        exposures, presumed = third_country_exposure(o, ctx.geo)
        if o.deployment == "colocation" and not ctx.geo.in_eea(loc):
            exposures = [f"hosted in {loc or 'an unestablished location'}"]
        if exposures:
            return Hit(f"Data must stay in the EU/EEA: {'; '.join(exposures)}", tuple(presumed))
    return None


def p3(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if ctx.seal.level_for_minimums >= ctx.min_seal:
        return None
    return Hit(
        f"SEAL {_seal(ctx)} is below the minimum SEAL-{ctx.min_seal} for "
        f"{w.classification} data: {ctx.seal.reason}"
    )


def _seal(ctx: RuleContext) -> str:
    return str(ctx.seal.level) if ctx.seal.level is not None else "unknown (counted as 0)"
