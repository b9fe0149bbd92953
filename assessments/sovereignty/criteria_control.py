"""Criteria about control and terms: C3 keys, C4 data use, C5 contract, C6 evidence, C7/C9 exit."""

from __future__ import annotations

from .criteria import CERTIFICATION_LEVELS, KEY_LEVELS, NOT_APPLICABLE, Raw
from .geography import Geo, third_country_exposure, transfer_tool
from .profiles import OptionProfile, WorkloadProfile

SELF = ("deployment",)
# C7 by where the model runs and whether its weights are open: (score, reason).
PORTABILITY = {
    ("self_hosted", True): (4, "Open weights, self-hosted"),
    ("self_hosted", False): (2, "Licensed proprietary weights, self-hosted"),
    ("cloud_gpu", True): (4, "Open weights on rented GPUs, self-hostable"),
    ("cloud_gpu", False): (2, "Proprietary weights on rented GPUs"),
    ("managed_api", True): (3, "Open-weights model hosted by the provider"),
    ("managed_api", False): (1, "Proprietary model behind the provider's API"),
}
EXIT_PLANS = {
    "none": (0, "No exit plan"),
    "documented": (1, "Exit plan on paper"),
    "tested": (3, "Tested data export and exit"),
}


def c3_key_custody(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    if o.self_hosted:
        return 5, "Decryption and inference only in the organization's own environment", SELF
    attrs = ("option.key_custody", "option.confidential_computing")
    if o.confidential_computing:
        return 4, "Confidential computing with customer-verified attestation", attrs
    if o.key_custody is None:
        offered = o.provider.customer_managed_keys if o.provider else "unknown"
        reason = f"Key custody not stated (provider offers customer-managed keys: {offered})"
        return None, reason, (*attrs, "provider.customer_managed_keys")
    reason = f"Keys: {o.key_custody}; the provider still processes data in cleartext"
    return KEY_LEVELS[o.key_custody], reason, attrs


def c4_data_use(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    if o.self_hosted:
        return 5, "Data, logs and model in the organization's own infrastructure", SELF
    if o.deployment == "cloud_gpu":
        return 4, "The provider runs no model on the data; logs stay with the organization", SELF
    p = o.provider
    assert p is not None
    attrs = ("provider.trains_on_api_data_by_default", "provider.zero_data_retention")
    attrs += ("option.zero_data_retention",)
    if o.zero_data_retention:
        return 4, "Zero data retention contracted for this option", attrs
    trains = p.trains_on_api_data_by_default
    if trains == "yes":
        return 0, f"{p.name} trains on API data by default", attrs
    if trains != "no":
        return None, f"Whether {p.name} trains on API data is not established", attrs
    if p.zero_data_retention == "yes":
        reason = f"{p.name}: no training; zero retention offered, not contracted for this option"
        return 3, reason, attrs
    return 2, f"{p.name}: no training by default; retention terms not established", attrs


def c5_contract(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    if not o.third_party:
        return 5, "No processor: no one else handles the data logically", SELF
    attrs = ("option.dpa_signed", "option.scc_signed", "option.tia_documented")
    if w.personal_data and o.dpa_signed is None:
        return None, "Processor contract (DPA) not established", attrs
    if w.personal_data and not o.dpa_signed:
        return 0, "No processor contract (DPA)", attrs
    exposures, _ = third_country_exposure(o, geo)
    tool = transfer_tool(o, geo)
    if exposures and not tool:
        return 1, "Contract, but no transfer tool established for a possible transfer", attrs
    if exposures and tool == "scc" and not o.tia_documented:
        return 2, "Contract and SCCs; transfer impact assessment not established", attrs
    clauses = []
    if w.sector == "finance":
        clauses.append(("DORA Art. 30 clauses", o.dora_contract))
    if w.sector == "health" and w.state == "US":
        clauses.append(("BAA", o.baa_signed))
    missing = [name for name, fact in clauses if not fact]
    if missing:
        reason = f"Contract without {', '.join(missing)} (not established)"
        return 3, reason, (*attrs, "option.dora_contract", "option.baa_signed")
    # 5 needs audit rights exercised, EU law and venue, exit assistance: not recorded yet.
    return 4, "Contract, transfer safeguards and the sector clauses in place", attrs


def c6_certifications(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    if o.self_hosted:
        return (
            NOT_APPLICABLE,
            "Own operation: the assurance evidence is the organization's own",
            SELF,
        )
    held = o.all_certifications()
    limited = o.provider.limited_certifications if o.provider else frozenset()
    attrs = ("provider.certifications", "option.certifications")
    note = f"; not counted (limited scope or in progress): {', '.join(sorted(limited))}"
    note = note if limited else ""
    levels = [CERTIFICATION_LEVELS[c] for c in held if c in CERTIFICATION_LEVELS]
    if not levels:
        reason = "No certification captured (blank means not established, not none held)"
        return None, reason + note, attrs
    return max(levels), f"Certifications: {', '.join(sorted(held))}{note}", attrs


def c7_portability(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    attrs = ("option.open_weights", "option.exit_plan", "option.egress_per_gb")
    if o.open_weights is None:
        return None, "Whether the model's weights are open is not established", attrs
    where = "self_hosted" if o.self_hosted else o.deployment
    score, reason = PORTABILITY[where, o.open_weights]
    if o.self_hosted and o.open_weights and o.exit_plan == "tested":
        score, reason = 5, reason + "; exit plan tested"
    if not o.self_hosted and o.egress_per_gb:
        score = max(score - 1, 0)
        reason += f"; egress priced at {o.egress_per_gb} per GB adds to the exit cost"
    return score, reason, attrs


def c9_exit(w: WorkloadProfile, o: OptionProfile, geo: Geo) -> Raw:
    attrs = ("option.exit_plan", "option.open_weights")
    if o.self_hosted and o.open_weights:
        if o.exit_plan == "tested":
            return 5, "Owned open-weights stack, exit tested", attrs
        return 4, "Owned open-weights stack on substitutable hardware", attrs
    if o.exit_plan is None:
        return None, "Exit plan not established", attrs
    score, reason = EXIT_PLANS[o.exit_plan]
    return score, reason, attrs
