"""The run's eligibility screen: what each workload's rules refuse, written into the snapshot's
scenario document before the engine prices anything."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from assessments.compute import (
    owned_profile,
    provider_profiles,
    sovereignty_policy,
    workload_profile,
)
from assessments.sovereignty.eligibility import Candidate, Screened, screen
from assessments.sovereignty.library import Library
from assessments.sovereignty.loader import shipped_library
from assessments.sovereignty.profiles import ProviderProfile
from assessments.sovereignty.regions import data_location
from costing.cloud_candidates import OfferPlace
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


def _rule_profiles(snapshot: dict) -> tuple[dict[str, tuple], dict[str, str]]:
    """One (workload profile, open weights) per distinct set of rules, by its key; each
    inventory row's id mapped to its key."""
    models = snapshot.get("models", {})
    profiles: dict[str, tuple] = {}
    keys = {}
    for row in snapshot["workloads"]:
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
        profiles.setdefault(key, (profile, open_weights))
        keys[row["external_id"]] = key
    return profiles, keys


class _SharedVerdicts:
    """The verdicts of the last few distinct sets of rule inputs, shared by the runs a process
    builds: a verdict depends only on the library, the policy, the workload profile and the
    provider's attributes and place, and a worker re-runs the same organization's assessments
    (each run would otherwise reach the same verdicts on hundreds of parties again)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = Lock()

    def of(self, library: Library, policy, providers: dict, profiles: dict) -> tuple[dict, dict]:
        """The verdicts by profile key and the places admitted, for these inputs. The library
        is compared by identity (the entry holds it, so its id is never another's)."""
        inputs = (
            id(library),
            tuple(sorted((policy.min_seal_by_classification or {}).items())),
            policy.enabled_rules,
            frozenset(providers.items()),
            frozenset(profiles.items()),
        )
        with self._lock:
            entry = self._entries.get(inputs)
            if entry is None:
                entry = (library, {key: {} for key in profiles}, {})
                self._entries[inputs] = entry
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            self._entries.move_to_end(inputs)
        return entry[1], entry[2]


_SHARED = _SharedVerdicts(size=32)


class RuleScreen:
    """The rules of a snapshot's workloads, each verdict on a party and place reached once:
    the scenario build asks which rules admit a place (to compare offers across places admitted
    alike) before any offer is read, and the eligibility screen then reuses those verdicts, as
    do later runs of the process with the same rule inputs."""

    def __init__(self, snapshot: dict, library: Library | None = None):
        self.library = library or shipped_library()
        self.policy = sovereignty_policy(snapshot, self.library)
        self.providers = provider_profiles(snapshot)
        self.profiles, self.keys = _rule_profiles(snapshot)
        verdicts, admitted = _SHARED.of(self.library, self.policy, self.providers, self.profiles)
        self._verdicts: dict[str, dict] = verdicts
        self._admitted: dict[tuple[str, str | None], frozenset[str]] = admitted

    def admits(self, place: OfferPlace) -> frozenset[str]:
        """The profile keys whose rules admit a cloud GPU offer of this provider and region."""
        location = data_location(place.provider, place.region)
        # Regions that process data in the same place share the verdicts (no rule reads the
        # region's name): a feed lists a provider in dozens of regions of a few countries.
        if (place.provider, location) not in self._admitted:
            candidate = Candidate(
                offer_id="place",
                deployment="cloud_gpu",
                provider=self.providers.get(place.provider) or ProviderProfile(name=place.provider),
                region=place.region,
                data_location=location,
            )
            self._admitted[place.provider, location] = frozenset(
                key for key in self.profiles if not self.screen(key, [candidate]).refused_offers
            )
        return self._admitted[place.provider, location]

    def screen(self, key: str, candidates, owned=None) -> Screened:
        """``screen`` for the profile of ``key``, with the verdicts reached for it so far."""
        profile, open_weights = self.profiles[key]
        return screen(profile, candidates, owned=owned or {}, open_weights=open_weights,
                      library=self.library, policy=self.policy,
                      verdicts=self._verdicts[key])  # fmt: skip


def eligibility_screen(snapshot: dict, rules: RuleScreen) -> None:
    """Write into the snapshot's scenario what each workload's rules refuse (offers by id and
    owned options), one profile per distinct set of rules, so the engine prices every option
    at its cheapest permitted offer."""
    scenario = snapshot["scenario"]
    candidates = _candidates(scenario, rules.providers)
    # Owned options a workload's rules can refuse as a whole (the burst of hybrid is a cloud
    # offer and is screened as one).
    owned_options = [o for o in scenario["options"] if o in OWNED]
    documents: dict[str, dict] = {}
    for workload in scenario["workloads"]:
        key = workload["eligibility"] = rules.keys[workload["id"]]
        if key not in documents:
            _, open_weights = rules.profiles[key]
            owned = {o: owned_profile(o, scenario, open_weights) for o in owned_options}
            documents[key] = rules.screen(key, candidates, owned).as_document()
    scenario["eligibility"] = documents
