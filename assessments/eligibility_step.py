"""The run's eligibility screen: what each workload's rules refuse, written into the snapshot's
scenario document before the engine prices anything."""

from __future__ import annotations

from assessments.compute import (
    owned_profile,
    provider_profiles,
    sovereignty_policy,
    workload_profile,
)
from assessments.sovereignty.eligibility import Candidate, screen
from assessments.sovereignty.library import Library
from assessments.sovereignty.loader import shipped_library
from assessments.sovereignty.profiles import ProviderProfile
from assessments.sovereignty.regions import data_location
from costing.engine.choices import OWNED


def _candidates(scenario: dict, providers: dict[str, ProviderProfile]) -> list[Candidate]:
    offers = scenario.get("offers") or {}
    found = []
    for kind, deployment in (("cloud_gpu", "cloud_gpu"), ("api", "managed_api")):
        for i, row in enumerate(offers.get(kind) or []):
            name = row["provider"]
            region = row.get("region", "") if kind == "cloud_gpu" else ", ".join(row["regions"])
            found.append(
                Candidate(
                    offer_id=row.get("id") or f"{kind}[{i}]",
                    deployment=deployment,
                    provider=providers.get(name) or ProviderProfile(name=name),
                    region=region,
                    data_location=data_location(name, region),
                )
            )
    return found


def eligibility_screen(snapshot: dict, library: Library | None = None) -> None:
    """Write into the snapshot's scenario what each workload's rules refuse (offers by id and
    owned options), one profile per distinct set of rules, so the engine prices every option
    at its cheapest permitted offer."""
    library = library or shipped_library()
    scenario = snapshot["scenario"]
    policy = sovereignty_policy(snapshot, library)
    providers = provider_profiles(snapshot)
    candidates = _candidates(scenario, providers)
    inventory = {row["external_id"]: row for row in snapshot["workloads"]}
    models = snapshot.get("models", {})
    # Owned options a workload's rules can refuse as a whole (the burst of hybrid is a cloud
    # offer and is screened as one).
    owned_options = [o for o in scenario["options"] if o in OWNED]
    profiles: dict[str, dict] = {}
    for workload in scenario["workloads"]:
        row = inventory[workload["id"]]
        profile = workload_profile(row, snapshot["organization"])
        open_weights = models.get(row.get("model") or "", {}).get("open_weights")
        key = "/".join(
            (
                profile.classification,
                "special" if profile.special_category else
                "personal" if profile.personal_data else "no-personal",
                profile.sector,
                f"residency-{profile.residency_requirement}",
                {True: "open", False: "closed", None: "weights-unknown"}[open_weights],
            )
        )  # fmt: skip
        if key not in profiles:
            owned = {o: owned_profile(o, scenario, open_weights) for o in owned_options}
            screened = screen(profile, candidates, owned=owned, open_weights=open_weights,
                              library=library, policy=policy)  # fmt: skip
            profiles[key] = screened.as_document()
        workload["eligibility"] = key
    scenario["eligibility"] = profiles
