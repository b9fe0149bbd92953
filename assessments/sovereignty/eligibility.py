"""What each workload's rules permit, decided before cost: refused offers and refused options.

For every workload profile and every offer that could price one of its options, the blocking
rules of option scope run on the party that would handle the data (the provider, its region and
where that region processes data); the first rule that holds refuses the offer. The engine then
prices each option at the cheapest offer not refused, so an option is blocked only when nothing
permitted is left. Rules of contract scope (a DPA, a transfer impact assessment) refuse nothing:
they are conditions of go-live the report lists beside the option.

Workloads that share the same rules share one profile, and offers served by the same party
from the same place share one verdict, so screening costs profiles x parties, not workloads x
offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .library import Library
from .profiles import OptionProfile, ProviderProfile, WorkloadProfile
from .scoring import Finding, SovereigntyPolicy, first_refusal


@dataclass(frozen=True)
class Candidate:
    """An offer that could price an option: who would handle the data, and where."""

    offer_id: str
    deployment: str  # cloud_gpu or managed_api
    provider: ProviderProfile
    region: str
    data_location: str | None


@dataclass(frozen=True)
class Screened:
    """One workload profile's verdict: refused offers and options, each with its finding."""

    refused_offers: Mapping[str, Finding]
    refused_options: Mapping[str, Finding]

    def as_document(self) -> dict:
        """The scenario document's eligibility profile (costing.engine reads this shape); the
        offers one finding refuses share its refusal (thousands of offers, a few findings)."""
        shared: dict[int, dict] = {}

        def refusal(finding: Finding) -> dict:
            if id(finding) not in shared:
                shared[id(finding)] = _refusal(finding)
            return shared[id(finding)]

        return {
            "refused_offers": {k: refusal(f) for k, f in sorted(self.refused_offers.items())},
            "refused_options": {k: refusal(f) for k, f in sorted(self.refused_options.items())},
        }


def _refusal(finding: Finding) -> dict:
    return {
        "rule": finding.rule_id,
        "name": finding.name,
        "reason": finding.reason,
        "citation": finding.citation,
    }


def screen(
    workload: WorkloadProfile,
    candidates: Iterable[Candidate],
    *,
    owned: Mapping[str, OptionProfile],
    open_weights: bool | None,
    library: Library,
    policy: SovereigntyPolicy,
    verdicts: dict[tuple, Finding | None] | None = None,
) -> Screened:
    """Refused offers (by id) and owned options (by engine option) for one workload profile.

    ``verdicts``: the verdicts already reached for this workload profile, filled in as more
    are; a caller screening the same profile again passes the same dict."""
    verdicts = {} if verdicts is None else verdicts
    refused_offers: dict[str, Finding] = {}
    for candidate in candidates:
        # One profile per provider name: hashing the name, not the whole profile, per offer.
        # No rule reads the region's name, only where it processes data.
        key = (candidate.deployment, candidate.provider.name, candidate.data_location)
        if key not in verdicts:
            option = OptionProfile(
                candidate.offer_id,
                candidate.deployment,
                provider=candidate.provider,
                region=candidate.region,
                data_location=candidate.data_location,
                open_weights=open_weights if candidate.deployment == "managed_api" else None,
            )
            verdicts[key] = first_refusal(workload, option, library, policy)
        if verdicts[key] is not None:
            refused_offers[candidate.offer_id] = verdicts[key]
    refused_options = {}
    for option_id, option in owned.items():
        finding = first_refusal(workload, option, library, policy)
        if finding is not None:
            refused_options[option_id] = finding
    return Screened(refused_offers, refused_options)
