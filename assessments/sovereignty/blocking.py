"""GDPR, AI Act and media-rights blocking rules (B01-B06, B13-B15) and what evaluators share.

A safeguard that is not established (``None``: no DPA recorded, no transfer tool recorded) is
treated as absent, because the controller must be able to demonstrate it (GDPR Art. 5(2), 24);
the finding then names what is presumed, so recording the fact can lift it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .geography import (
    Geo,
    SealPlacement,
    third_country_exposure,
    transfer_tool,
    us_controlled,
)
from .profiles import OptionProfile, WorkloadProfile


@dataclass(frozen=True)
class RuleContext:
    """What an evaluator needs beyond the workload and the option."""

    geo: Geo
    seal: SealPlacement
    min_seal: int


@dataclass(frozen=True)
class Hit:
    """A rule's condition holds: why, and which unestablished facts were presumed unfavourable."""

    reason: str
    presumed: tuple[str, ...] = ()


Evaluator = Callable[[WorkloadProfile, OptionProfile, RuleContext], Hit | None]


def unestablished(*facts: tuple[str, bool | None]) -> tuple[str, ...]:
    """The names of the (name, value) facts left unestablished: the finding's presumptions."""
    return tuple(name for name, value in facts if value is None)


def b01(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    exposures, presumed = third_country_exposure(o, ctx.geo)
    if not (w.personal_data and exposures) or transfer_tool(o, ctx.geo):
        return None
    assert o.provider is not None  # exposures exist only for third-party options
    return Hit(
        f"Personal data {'; '.join(exposures)}, with no adequacy, DPF certification or SCCs "
        "established",
        (
            *presumed,
            *unestablished(
                ("provider.dpf_certified", o.provider.dpf_certified),
                ("option.scc_signed", o.scc_signed),
            ),
        ),
    )


def b02(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    sensitive = w.special_category or (w.personal_data and w.classification == "restricted")
    if not (sensitive and o.third_party):
        return None
    assert o.provider is not None
    exposures, presumed = third_country_exposure(o, ctx.geo)
    if not exposures or transfer_tool(o, ctx.geo) in ("adequacy", "dpf"):
        return None
    exposure = o.provider.us_cloud_act_exposure
    if exposure == "no" and not us_controlled(o.provider):
        return None
    if o.confidential_computing or o.key_custody == "customer_only":
        return None
    what = "Special-category (GDPR Art. 9)" if w.special_category else "Restricted personal"
    return Hit(
        f"{what} data processed in cleartext by {o.provider.name} ({o.deployment}), whose "
        f"CLOUD Act / FISA 702 exposure is {exposure}; {'; '.join(exposures)}; keys not "
        "exclusively customer-held: no effective supplementary measure (EDPB Use Case 6)",
        (*presumed, *(("provider.us_cloud_act_exposure",) if exposure != "yes" else ())),
    )


def b03(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if not (w.personal_data and o.third_party) or o.dpa_signed:
        return None
    presumed = unestablished(("option.dpa_signed", o.dpa_signed))
    return Hit("Personal data at a third party without a processor contract (DPA)", presumed)


def b04(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if o.deployment != "managed_api" or o.zero_data_retention:
        return None
    if not (w.personal_data or w.classification_rank >= 2):
        return None
    assert o.provider is not None
    trains = o.provider.trains_on_api_data_by_default
    if trains == "no":
        return None
    presumed = () if trains == "yes" else ("provider.trains_on_api_data_by_default",)
    state = "allow training on" if trains == "yes" else "are not established to exclude training on"
    return Hit(
        f"{o.provider.name}'s terms {state} API inputs, and no zero retention is contracted",
        presumed,
    )


def b05(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    high_risk = w.special_category or (w.personal_data and w.annex_iii_high_risk)
    if not high_risk or w.dpia_completed:
        return None
    return Hit(
        "AI processing of special-category or high-risk personal data without a completed DPIA",
        unestablished(("workload.dpia_completed", w.dpia_completed)),
    )


def b06(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    exposures, _ = third_country_exposure(o, ctx.geo)
    if not (w.personal_data and w.classification_rank >= 2 and exposures):
        return None
    if transfer_tool(o, ctx.geo) != "scc" or o.tia_documented:
        return None
    return Hit(
        "Transfer on SCCs without a documented transfer impact assessment",
        unestablished(("option.tia_documented", o.tia_documented)),
    )


def b13(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if not w.annex_iii_high_risk:
        return None
    months = o.log_retention_months
    if months is None and o.self_hosted:
        return None
    if months is not None and months >= 6:
        return None
    presumed = ("option.log_retention_months",) if months is None else ()
    kept = f"{months} months" if months is not None else "an unestablished time"
    return Hit(
        f"High-risk AI use where the deployer can keep its logs for {kept}; "
        "at least six months are required",
        presumed,
    )


def b14(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if not w.tdm_reserved_without_licence:
        return None
    return Hit("Training on works with a text-and-data-mining reservation and no licence")


def b15(w: WorkloadProfile, o: OptionProfile, ctx: RuleContext) -> Hit | None:
    if not w.real_person_likeness_unauthorised:
        return None
    return Hit("Voice or likeness of a real person generated without authorisation or disclosure")
