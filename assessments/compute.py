"""The sections of a run's results, each computed from the run's frozen snapshot (no database).

Every step reads only the snapshot and the sections stored before it, so a step that is run
again (a redelivered task) recomputes the same figures: same snapshot, same seed, same numbers.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict

from assessments.answer import executive_answer
from assessments.answer_words import count
from assessments.json_ready import json_ready
from assessments.reports.formatting import OPTION_LABELS, uncertain_input, uncertain_range
from assessments.risks import (
    idle_fleets,
    likely_outside_spread,
    money_text,
    small_serving_loads,
)
from assessments.sovereignty.library import Library
from assessments.sovereignty.loader import shipped_library
from assessments.sovereignty.profiles import OptionProfile, ProviderProfile, WorkloadProfile
from assessments.sovereignty.ranking import RankingWeights, rank_options, recommendation
from assessments.sovereignty.regions import data_location
from assessments.sovereignty.scoring import OptionAssessment, SovereigntyPolicy, score_option
from costing.engine.deployment_options import option_field
from costing.engine.evaluate import evaluate
from costing.engine.scenario import Scenario, load_scenario
from costing.engine.uncertainty import monte_carlo, tornado

# Engine option -> the deployment the sovereignty rules reason about.
DEPLOYMENT = option_field("deployment_class")
# Who handles the data under each option (servers are owned hardware, not a third party).
THIRD_PARTY_ROLES = {"on_demand", "committed", "burst", "api"}


# While a run computes, its snapshot's scenario is parsed once for all its steps (and the
# engine's sizing, remembered on the scenario, is reused by each of them).
_parsed: list | None = None


@contextmanager
def scenario_parsed_once(kept: list | None = None):
    """Within the block, ``scenario_of`` parses a snapshot once and answers again with the same
    Scenario while asked for the same (never changed) snapshot; nothing is kept after it, but in
    ``kept`` (a list the caller keeps: [snapshot, scenario] once parsed)."""
    global _parsed
    outer, _parsed = _parsed, [] if kept is None else kept
    try:
        yield
    finally:
        _parsed = outer  # a block within another (a chunk computed in-process) restores it


def scenario_of(snapshot: dict) -> Scenario:
    if _parsed is None:
        return load_scenario(snapshot["scenario"])
    if not _parsed or _parsed[0] is not snapshot:
        _parsed[:] = [snapshot, load_scenario(snapshot["scenario"])]
    return _parsed[1]


def engine_section(snapshot: dict) -> dict:
    """Cash flows, NPV, unit costs and breakevens per option: the portfolio and each workload."""
    return evaluate(scenario_of(snapshot)).as_dict()


def monte_carlo_section(snapshot: dict) -> dict | None:
    settings = snapshot["assessment"]
    samples = int(settings.get("monte_carlo_samples") or 0)
    if samples <= 0:
        return None
    result = monte_carlo(scenario_of(snapshot), samples=samples, seed=settings["random_seed"])
    return result.as_dict()


def engine_chunk(snapshot: dict, start: int, stop: int) -> dict:
    """Workloads ``start`` to ``stop`` of the engine section, with the sources they cite, each
    checked against its model here (in the worker that computed it)."""
    from assessments.results import EngineWorkload, typed
    from costing.engine.chunks import engine_workloads

    part = json_ready(engine_workloads(scenario_of(snapshot), start, stop))
    for workload in part["workloads"]:
        typed(EngineWorkload, workload)
    return part


def engine_section_merged(snapshot: dict, chunks: list[dict]) -> dict:
    """The engine section of a split run: exactly ``engine_section``'s."""
    from costing.engine.chunks import engine_merged

    return engine_merged(scenario_of(snapshot), chunks)


def monte_carlo_chunk(snapshot: dict, start: int, stop: int) -> dict:
    """Samples ``start`` to ``stop`` of the Monte Carlo: each option's total and NPV."""
    from costing.engine.chunks import monte_carlo_samples

    settings = snapshot["assessment"]
    samples = int(settings.get("monte_carlo_samples") or 0)
    return monte_carlo_samples(scenario_of(snapshot), samples, settings["random_seed"], start, stop)


def monte_carlo_section_merged(snapshot: dict, chunks: list[dict]) -> dict | None:
    """The Monte Carlo section of a split run: exactly ``monte_carlo_section``'s."""
    from costing.engine.chunks import monte_carlo_merged

    settings = snapshot["assessment"]
    samples = int(settings.get("monte_carlo_samples") or 0)
    if samples <= 0 or not chunks:
        return None
    scenario = scenario_of(snapshot)
    return monte_carlo_merged(scenario, samples, settings["random_seed"], chunks).as_dict()


def tornado_section(snapshot: dict) -> dict | None:
    result = tornado(scenario_of(snapshot))
    return None if result is None else result.as_dict()


# --------------------------------------------------------------------------- sovereignty


def provider_profiles(snapshot: dict) -> dict[str, ProviderProfile]:
    profiles = {}
    for name, fields in snapshot.get("providers", {}).items():
        values = dict(fields)
        for key in ("certifications", "limited_certifications"):
            values[key] = frozenset(values.get(key, ()))
        profiles[name] = ProviderProfile(**values)
    return profiles


def workload_profile(row: dict, organization: dict) -> WorkloadProfile:
    return WorkloadProfile(
        classification=row["data_classification"],
        personal_data=bool(row["personal_data"] or row["special_category_data"]),
        special_category=bool(row["special_category_data"]),
        sector=row["sector_regulation"],
        residency_requirement=row["residency_requirement"],
        organization_country=organization.get("country", ""),
    )


def owned_profile(option: str, scenario: dict, open_weights) -> OptionProfile:
    """An owned option as the rules see it: own premises, or the colocation site and where it is
    (the facility's region), so that an EU/EEA site meets an EU residency requirement."""
    # The servers of an owned option stand in a colocation site or on the own premises (the
    # hybrid's owned base too).
    deployment = "colocation" if DEPLOYMENT[option] == "colocation" else "on_premises"
    if deployment != "colocation":
        return OptionProfile(option, deployment, open_weights=open_weights)
    region = ((scenario.get("offers") or {}).get("facility_colocation") or {}).get("region", "")
    return OptionProfile(
        option,
        deployment,
        region=region,
        data_location=data_location("", region),
        open_weights=open_weights,
    )


def option_profiles(
    option: str,
    suppliers: list[dict],
    providers: dict[str, ProviderProfile],
    open_weights,
    scenario: dict | None = None,
) -> list[OptionProfile]:
    """One profile per party that handles the data under ``option`` (owned options: one)."""
    deployment = DEPLOYMENT[option]
    if deployment in ("on_premises", "colocation"):
        return [owned_profile(option, scenario or {}, open_weights)]
    profiles = []
    for supplier in suppliers:
        if supplier["role"] not in THIRD_PARTY_ROLES:
            continue
        provider = providers.get(supplier["name"]) or ProviderProfile(name=supplier["name"])
        profiles.append(
            OptionProfile(
                option,
                deployment,
                provider=provider,
                region=supplier["region"],
                data_location=data_location(supplier["name"], supplier["region"]),
                open_weights=open_weights if deployment == "managed_api" else None,
            )
        )
    return profiles


def _worst(assessments: list[OptionAssessment]) -> OptionAssessment:
    """An option served by several parties is as sovereign as the weakest of them."""
    return min(assessments, key=lambda a: (not a.blocked, a.weighted_score, a.seal.level or 0))


def _assessment_dict(a: OptionAssessment, suppliers: list[dict]) -> dict:
    return {
        "deployment": a.deployment,
        "provider_name": a.provider_name,
        "suppliers": suppliers,
        "weighted_score": round(a.weighted_score, 4),
        "blocked": a.blocked,
        "seal": {"level": a.seal.level, "reason": a.seal.reason},
        "findings": [_finding_dict(f) for f in a.blocking_findings],
        "preconditions": [_finding_dict(f) for f in a.preconditions],
        "scores": [
            {
                "criterion_id": s.criterion_id,
                "name": s.name,
                "score": s.score,
                "status": s.status,
                "reason": s.reason,
                "weight": s.weight,
                "verified": s.verified,
            }
            for s in a.scores
        ],
        "requirements": [
            {
                "ref_id": r.ref_id,
                "name": r.name,
                "citation": r.citation,
                "verified": r.verified,
                "minimums": dict(r.minimums),
                "shortfalls": list(r.shortfalls),
            }
            for r in a.requirements
        ],
        "unverified": list(a.unverified()),
    }


def _finding_dict(f) -> dict:
    found = asdict(f)
    found["source_urls"] = list(f.source_urls)
    found["presumed"] = list(f.presumed)
    return found


def sovereignty_policy(snapshot: dict, library: Library) -> SovereigntyPolicy:
    """The organization's minimum SEAL per classification over the library's defaults."""
    minimums = {
        **library.seal_minimum_by_classification,
        **snapshot["organization"].get("min_seal_by_classification", {}),
    }
    return SovereigntyPolicy(min_seal_by_classification=minimums)


def sovereignty_section(snapshot: dict, engine: dict, library: Library | None = None) -> dict:
    """Scores, SEAL level and blocking findings of every priced option of every workload, the
    weighted cost/sovereignty ranking and the recommendation (cheapest option not blocked)."""
    library = library or shipped_library()
    organization = snapshot["organization"]
    settings = snapshot["assessment"]
    policy = sovereignty_policy(snapshot, library)
    minimums = dict(policy.min_seal_by_classification or {})
    weight = settings.get("sovereignty_weight_pct")
    if weight is None:
        weight = organization.get("sovereignty_weight_pct", 50)
    weights = RankingWeights(cost=100 - weight, sovereignty=weight) if 0 < weight < 100 else (
        RankingWeights(cost=1.0, sovereignty=0.0) if weight == 0 else
        RankingWeights(cost=0.0, sovereignty=1.0)
    )  # fmt: skip
    providers = provider_profiles(snapshot)
    inventory = {row["external_id"]: row for row in snapshot["workloads"]}
    models = snapshot.get("models", {})
    sovereign_seal = int(settings.get("sovereign_min_seal", 3))
    rows = []
    for workload in engine["workloads"]:
        row = inventory[workload["id"]]
        profile = workload_profile(row, organization)
        open_weights = models.get(row.get("model") or "", {}).get("open_weights")
        scored: dict[str, OptionAssessment] = {}
        options: dict[str, dict] = {}
        costs: dict[str, float] = {}
        for option, outcome in workload["options"].items():
            suppliers = workload.get("suppliers", {}).get(option, [])
            if "npv" not in outcome:
                options[option] = {"unavailable": True, "reason": outcome.get("reason", "")}
                if outcome.get("blocked_by"):
                    options[option] |= {
                        "blocked": True,
                        "blocked_by": outcome["blocked_by"],
                        "refused_offer": outcome.get("refused_offer", ""),
                    }
                continue
            parties = option_profiles(
                option, suppliers, providers, open_weights, snapshot["scenario"]
            )
            if not parties:
                options[option] = {"unavailable": True, "reason": "no provider recorded"}
                continue
            assessed = _worst([score_option(profile, p, library, policy) for p in parties])
            scored[option] = assessed
            costs[option] = max(float(outcome["npv"]), 0.01)
            options[option] = _assessment_dict(assessed, suppliers)
            level = assessed.seal.level
            options[option]["sovereign"] = level is not None and level >= sovereign_seal
        ranking = rank_options(scored.values(), costs, weights)
        chosen = recommendation(ranking)
        rows.append(
            {
                "id": workload["id"],
                "name": workload["name"],
                "classification": row["data_classification"],
                "sector": row["sector_regulation"],
                "residency_requirement": row["residency_requirement"],
                "personal_data": bool(row["personal_data"]),
                "recommended": chosen.option_id if chosen else None,
                "recommended_cost": chosen.cost if chosen else None,
                "ranking": [asdict(r) | {"blocking_rule_ids": list(r.blocking_rule_ids)}
                            for r in ranking],
                "options": options,
            }
        )  # fmt: skip
    return {
        "library": {
            "urn": library.urn,
            "ref_id": library.ref_id,
            "name": library.name,
            "version": library.version,
        },
        "criteria": [
            {"id": c.ref_id, "name": c.name, "weight": c.weight} for c in library.criteria
        ],
        "weights": {"cost": weights.cost, "sovereignty": weights.sovereignty},
        "min_seal_by_classification": minimums,
        "sovereign_min_seal": sovereign_seal,
        "workloads": rows,
    }


# --------------------------------------------------------------------------- summary


def summary_section(results: dict, snapshot: dict) -> dict:
    """The plain-language headline: what to do, its cost, how sure we are, what can go wrong;
    with the executive answer built from it (see assessments.answer)."""
    engine = results["engine"]
    currency = engine["currency"]
    priced = {k: v for k, v in engine["portfolio"].items() if "npv" in v}
    ordered = sorted(priced, key=lambda k: priced[k]["npv"])
    cheapest = ordered[0] if ordered else None
    mc = results.get("monte_carlo") or {}
    probability = (mc.get("options", {}).get(cheapest) or {}).get("probability_cheapest")
    breakeven = None
    if len(ordered) >= 2:
        pair = set(ordered[:2])
        breakeven = next((b for b in engine["breakevens"] if set(b["options"]) == pair), None)
    sovereignty = results.get("sovereignty") or {}
    recommendations = {w["id"]: w["recommended"] for w in sovereignty.get("workloads", [])}
    placement = results.get("placement") or {}
    risks = []
    blocked_all = [w for w, option in recommendations.items() if option is None]
    if blocked_all:
        risks.append(
            f"{count(len(blocked_all), 'workload')} {'has' if len(blocked_all) == 1 else 'have'} "
            "no option without a blocking finding: " + ", ".join(blocked_all[:5])
        )
    if probability is not None and probability < 0.8 and cheapest:
        risks.append(
            f"{OPTION_LABELS.get(cheapest, cheapest)} is cheapest in only {probability:.0%} of "
            "the Monte Carlo samples: "
            "the ranking is sensitive to the uncertain inputs"
        )
    tornado = results.get("tornado") or {}
    bars = tornado.get("bars") or []
    if bars:
        top = bars[0]
        pair = [OPTION_LABELS.get(tornado[k], tornado[k]) for k in ("first", "second")]
        spread = uncertain_range(top["input"], top["low"], top["high"])
        swing = abs(top["difference_at_high"] - top["difference_at_low"])
        risks.append(
            f"The uncertain input that moves the comparison of {pair[0]} and {pair[1]} most is "
            f"{uncertain_input(top['input']).lower()} ({spread}): it shifts their difference by "
            f"{money_text(swing, currency)}"
        )
    unavailable = [k for k, v in engine["portfolio"].items() if "npv" not in v]
    if unavailable:
        risks.append(
            "Not priced for every workload: "
            + ", ".join(OPTION_LABELS.get(k, k) for k in unavailable)
        )
    unverified = sum(
        1
        for w in sovereignty.get("workloads", [])
        for o in w["options"].values()
        if o.get("unverified")
    )
    if unverified:
        risks.append(
            f"{count(unverified, 'option assessment')} {'rests' if unverified == 1 else 'rest'} on "
            "unverified sources (see the findings)"
        )
    risks += idle_fleets(engine, placement)
    risks += likely_outside_spread(priced, mc, currency)
    risks += small_serving_loads(engine, recommendations)
    headline = []
    if placement.get("status") in ("optimal", "time_limit") and placement.get("cost") is not None:
        used = ", ".join(
            f"{OPTION_LABELS.get(option, option)} {row['workloads']}"
            for option, row in placement["by_option"].items()
            if row["workloads"]
        )
        headline.append(
            f"Place the workloads as the portfolio recommendation says ({used}): NPV "
            f"{money_text(placement['cost'], currency)}, saving "
            f"{money_text(placement.get('saving') or 0.0, currency)} against choosing workload by "
            "workload."
        )
    price = _sovereignty_price_sentence(engine, placement, currency)
    if price:
        headline.append(price)
    if cheapest:
        label = OPTION_LABELS.get(cheapest, cheapest)
        text = f"Of the single options for every workload, {label} costs least: NPV " + (
            money_text(priced[cheapest]["npv"], currency)
        )
        if probability is not None:
            text += f", cheapest in {probability:.0%} of {mc.get('samples')} samples"
        headline.append(text + ".")
    summary = {
        "price_of_sovereignty": _price_of_sovereignty(engine, placement),
        "cheapest_option": cheapest,
        "cheapest_npv": priced[cheapest]["npv"] if cheapest else None,
        "npv_by_option": {k: priced[k]["npv"] for k in ordered},
        "probability_cheapest": probability,
        "breakeven": breakeven,
        "recommendations": recommendations,
        "recommended_option": _portfolio_choice(placement, recommendations),
        "risks": risks,
        "headline": headline,
        "currency": currency,
    }
    summary["answer"] = executive_answer({**results, "summary": summary}, snapshot)
    return summary


def _price_of_sovereignty(engine: dict, placement: dict) -> dict | None:
    """The portfolio's price of sovereignty: the joint placement with and without the rules
    where it was solved, else the workload-by-workload sum; with the rules that bind."""
    by_workload = engine.get("sovereignty_price")
    if not by_workload:
        return None
    joint = placement.get("price_of_sovereignty") or {}
    solved = joint.get("difference") is not None
    source = joint if solved else by_workload
    # The rules whose costs add up to the figure given: the placement's own where it has them.
    rules = joint["rules"] if solved and "rules" in joint else by_workload["rules"]
    return {
        "basis": "portfolio placement" if solved else "workload by workload",
        "permitted_npv": source["permitted_npv"],
        "unrestricted_npv": source["unrestricted_npv"],
        "difference": source["difference"],
        "difference_pct": source["difference_pct"],
        "rules": rules,
    }


def _sovereignty_price_sentence(engine: dict, placement: dict, currency: str) -> str:
    price = _price_of_sovereignty(engine, placement)
    if not price or price["difference"] is None:
        return ""
    if abs(price["difference"]) < 0.5:
        return "The data rules cost nothing here: the cheapest offers are permitted."
    rules = "; ".join(
        f"{r['rule']} {r['name']} ({len(r['workloads'])} workload"
        f"{'s' if len(r['workloads']) != 1 else ''})"
        for r in price["rules"][:3]
    )
    pct = price["difference_pct"]
    return (
        f"The price of sovereignty: the offers the data rules permit cost "
        f"{money_text(price['difference'], currency)} more"
        + (f" ({pct:.0f}%)" if pct is not None else "")
        + " than the cheapest regardless of them (NPV "
        + f"{money_text(price['permitted_npv'], currency)} against "
        + f"{money_text(price['unrestricted_npv'], currency)})"
        + (f"; the rules that bind: {rules}." if rules else ".")
    )


def _portfolio_choice(placement: dict, recommendations: dict) -> str | None:
    """The option holding most workloads in the joint placement (or, without one, among the
    per-workload recommendations)."""
    counts: dict[str, int] = {}
    source = placement.get("assignment") or recommendations
    for option in source.values():
        if option:
            counts[option] = counts.get(option, 0) + 1
    return max(counts, key=lambda k: (counts[k], k), default=None)
