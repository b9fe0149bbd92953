"""The executive summary's answer in plain words, for a reader with one minute.

What to do, why, what sovereignty costs, how sure, what was left out and what the data lacks,
in that order. Pure: a run's results and snapshot (dicts) in, sentences and the figures behind
them out. It is stored with the results, so the report, the run page, the e-mail and the demo
say the same thing; the method (MILP, PERT, seeds) is the appendix's business, not this one's.
"""

from __future__ import annotations

from datetime import date

from assessments.answer_words import (
    NAMED_AT_MOST,
    NAMED_IN_SENTENCE,
    count,
    input_named,
    listed,
    lowered,
    names,
    place,
)
from assessments.reports.formatting import money, option_label
from assessments.results import Answer

MOST_RULES = 2  # the rules that cost most; the appendix and the findings have the rest
# Inputs the Monte Carlo adds to (in points a year) rather than multiplies.
ADDITIVE_INPUTS = {"demand_growth_delta_per_year"}


def _fleets(fleets: list[dict], option: str) -> str:
    """``1 server with 8 NVIDIA H100 SXM GPUs and 2 servers with 8 NVIDIA L40S GPUs in all``."""
    parts = [
        f"{count(f['servers'], 'server')} with {f['gpus']:,} {f['gpu']} GPUs"
        + (" in all" if f["servers"] > 1 else "")
        for f in fleets
        if f.get("option") == option and f.get("servers")
    ]
    return listed(parts)


def _what_to_do(results: dict, named: dict[str, str], currency: str, horizon: int) -> dict:
    placement = results.get("placement") or {}
    spread = placement.get("npv_spread") or {}
    samples = (results.get("monte_carlo") or {}).get("samples") or 0
    assignment = placement.get("assignment") or {}
    if placement.get("cost") is None or not assignment:
        return {"sentence": "", "groups": [], "npv": None, "p10": None, "p90": None}
    by_option: dict[str, list[str]] = {}
    for workload, option in assignment.items():
        by_option.setdefault(option, []).append(workload)
    ordered = sorted(by_option, key=lambda o: (-len(by_option[o]), o))
    groups, clauses = [], []
    for option in ordered:
        ids = sorted(by_option[option], key=lambda w: named.get(w, w))
        fleet = _fleets(placement.get("fleets") or [], option)
        groups.append({
            "option": option,
            "label": option_label(option),
            "place": place(option),
            "workloads": [{"id": w, "name": named.get(w, w)} for w in ids],
            "fleet": fleet,
        })  # fmt: skip
        clause = count(len(ids), "workload") if not clauses else f"{len(ids):,}"
        clause += f" {place(option)}"
        details = [fleet] if fleet else []
        if len(ids) <= NAMED_IN_SENTENCE and len(ordered) > 1:
            details.append(names(ids, named))
        if details:
            clause += f" ({'; '.join(details)})"
        clauses.append(clause)
    sentence = "Run " + (
        ", ".join(clauses[:-1]) + " and " + clauses[-1] if len(clauses) > 1 else clauses[0]
    )
    sentence += (
        f": a net present value of {money(placement['cost'], currency)} over {horizon} months"
    )
    if spread.get("p10") is not None:
        sentence += (
            f", between {money(spread['p10'], currency)} and {money(spread['p90'], currency)} "
            f"in 80% of {samples:,} samples of the uncertain prices and loads (P10 to P90)"
        )
    return {
        "sentence": sentence + ".",
        "groups": groups,
        "npv": placement["cost"],
        "p10": spread.get("p10"),
        "p90": spread.get("p90"),
    }


def _rules_that_bind(
    engine: dict, placement: dict, named: dict[str, str], currency: str
) -> list[str]:
    """The rules that cost most, each with its workloads and what keeping to it costs.

    Where the joint placement was priced with and without the rules, the costs are its parts
    of the price of sovereignty: each rule's workloads' own costs (the offers it makes dearer),
    then the rest, in the owned servers the workloads share, so that the sentences add up to
    the price the answer states. A rule that costs its workloads more chosen one by one but
    nothing in the portfolio says both. Without a joint price the rules cost what they cost
    workload by workload, the basis the answer then states."""
    alone = {r["rule"]: r for r in (engine.get("sovereignty_price") or {}).get("rules") or []}
    joint = placement.get("price_of_sovereignty") or {}
    if joint.get("difference") is None or "other_difference" not in joint:
        ranked = sorted(alone.values(), key=lambda r: (-(r.get("difference") or 0), r["rule"]))
        return [
            _rule_sentence(rule, named) + _costs(rule.get("difference"), currency) + "."
            for rule in ranked[:MOST_RULES]
        ]
    in_portfolio = {r["rule"]: r for r in joint.get("rules") or []}
    ranked = sorted(
        {**alone, **in_portfolio}.values(),
        key=lambda r: (
            -(in_portfolio.get(r["rule"], {}).get("difference") or 0),
            -(alone.get(r["rule"], {}).get("difference") or 0),
            r["rule"],
        ),
    )
    sentences = []
    for rule in ranked[:MOST_RULES]:
        cost = in_portfolio.get(rule["rule"], {}).get("difference") or 0.0
        cost_alone = alone.get(rule["rule"], {}).get("difference") or 0.0
        text = _rule_sentence(rule, named)
        if abs(cost) < 0.5 and cost_alone >= 0.5:
            text += (
                f"; chosen one by one, keeping to it would cost {money(cost_alone, currency)},"
                " but in the portfolio they cost the same with it and without it"
            )
        else:
            text += _costs(cost, currency) + (" in the portfolio" if cost >= 0.5 else "")
        sentences.append(text + ".")
    unlisted = [
        in_portfolio[rule["rule"]]["difference"]
        for rule in ranked[MOST_RULES:]
        if abs(in_portfolio.get(rule["rule"], {}).get("difference") or 0.0) >= 0.5
    ]
    if unlisted:
        sentences.append(
            f"{count(len(unlisted), 'other rule')} cost {money(sum(unlisted), currency)}"
            " in the portfolio; the findings name them."
        )
    rest = joint.get("other_difference") or 0.0
    if abs(rest) >= 0.5:
        sentences.append(
            f"The other {money(rest, currency)} of the price of sovereignty is in the servers "
            "the workloads share: without the rules the placement fills them differently."
            if rest > 0
            else f"The servers the workloads share cost {money(-rest, currency)} less under "
            "the rules: the placement fills them differently."
        )
    return sentences


def _rule_sentence(rule: dict, named: dict[str, str]) -> str:
    ids = rule.get("workloads") or []
    return (
        f"Rule {rule['rule']} ({lowered(rule['name'])}; {rule['citation']}) rules out the "
        f"cheapest offers for {count(len(ids), 'workload')} ({names(ids, named)})"
    )


def _costs(difference: float | None, currency: str) -> str:
    return f"; keeping to it costs {money(difference, currency)}" if difference else ""


def _portfolio_against_alone(results: dict, named: dict[str, str], currency: str) -> str:
    """Why a workload the per-workload view sends elsewhere runs where the placement puts it."""
    placement = results.get("placement") or {}
    assignment = placement.get("assignment") or {}
    # The saving is against the placement's own baseline: each workload on its cheapest
    # permitted option alone; the contrast names the same baseline.
    alone = (
        placement.get("baseline_assignment")
        or (results.get("summary") or {}).get("recommendations")
        or {}
    )
    moved: dict[tuple[str, str], list[str]] = {}
    for workload, placed in assignment.items():
        own = alone.get(workload)
        if own and own != placed:
            moved.setdefault((placed, own), []).append(workload)
    if not moved:
        return ""
    clauses = []
    for placed in sorted({p for p, _ in moved}):
        owns = [
            (names(sorted(ids, key=lambda w: named.get(w, w)), named), place(own))
            for (p, own), ids in sorted(moved.items())
            if p == placed
        ]
        first, *others = owns
        text = f"alone, {first[0]} would cost least {first[1]}"
        text += "".join(f", and {who} {where}" for who, where in others)
        clauses.append(f"{text}; in the portfolio they run {place(placed)}")
    text = "; ".join(clauses)
    text = text[0].upper() + text[1:]
    owned = {p for p, _ in moved} & {"on_prem", "colocation", "hybrid"}
    if owned:
        text += (
            ", because servers bought once and shared with the other workloads cost less than"
            " each workload paying for capacity of its own"
        )
    saving = placement.get("saving")
    if saving:
        text += (
            f" (the placement saves {money(saving, currency)} against choosing workload by"
            " workload)"
        )
    return text + "."


def _sovereignty_cost(summary: dict, currency: str) -> str:
    price = summary.get("price_of_sovereignty") or {}
    difference = price.get("difference")
    if difference is None:
        return ""
    if abs(difference) < 0.5:
        return (
            "Sovereignty costs nothing here: the cheapest placement regardless of the data "
            "rules is also one they permit."
        )
    at_least = "at least " if price.get("at_least") else ""
    return (
        f"Sovereignty costs {at_least}{money(difference, currency)} "
        f"({price.get('difference_pct') or 0:.0f}%): what the data rules permit costs "
        f"{money(price['permitted_npv'], currency)} against "
        f"{money(price['unrestricted_npv'], currency)} for the cheapest offers regardless of them."
    )


def _flip_point(bar: dict, likely: float, baseline: float) -> float | None:
    """Where the lead's margin reaches zero along one input, on the line through the likely case
    and the nearer end that narrows it; None when neither end narrows it."""
    best = None
    for end, margin in (
        (bar["low"], bar["difference_at_low"]),
        (bar["high"], bar["difference_at_high"]),
    ):
        narrowing = baseline - margin
        if end == likely or narrowing == 0 or (narrowing > 0) != (baseline > 0):
            continue
        point = likely + (end - likely) * baseline / narrowing
        if best is None or abs(point - likely) < abs(best - likely):
            best = point
    return best


def _plausible(name: str, point: float, likely: float) -> bool:
    """A flip point worth naming: a price between a tenth and ten times its likely value, or
    growth within 50 points a year of it."""
    if name in ADDITIVE_INPUTS:
        return abs(point - likely) <= 0.5
    return 0.1 <= point <= 10


def _change(name: str, point: float, likely: float) -> str:
    """``25% higher``, ``36 times the likely value``, ``8 points a year faster``."""
    if name in ADDITIVE_INPUTS:
        points = (point - likely) * 100
        return f"{abs(points):.0f} points a year {'faster' if points > 0 else 'slower'}"
    if point <= 0:
        return "below zero"
    if point >= 2:
        return (
            f"{point:.0f} times the likely value"
            if point >= 10
            else f"{point:.1f} times the likely value"
        )
    pct = (point - 1) * 100
    return f"{abs(pct):.0f}% {'higher' if pct > 0 else 'lower'}"


def _what_would_flip(results: dict) -> str:
    tornado = results.get("tornado") or {}
    bars = tornado.get("bars") or []
    first, second = tornado.get("first"), tornado.get("second")
    baseline = tornado.get("baseline_difference")
    if not bars or not first or not second or not baseline:
        return ""
    ranges = (results.get("monte_carlo") or {}).get("inputs") or {}
    found = []
    for bar in bars:
        likely = (ranges.get(bar["input"]) or {}).get(
            "likely", 0.0 if bar["input"] in ADDITIVE_INPUTS else 1.0
        )
        point = _flip_point(bar, likely, baseline)
        if point is not None:
            inside = min(bar["low"], bar["high"]) <= point <= max(bar["low"], bar["high"])
            found.append(
                (
                    not inside,
                    abs(point - likely) / max(abs(bar["high"] - bar["low"]), 1e-9),
                    bar["input"],
                    point,
                    likely,
                )
            )
    lead, runner_up = lowered(option_label(first)), lowered(option_label(second))
    if not found:
        return (
            f"No uncertain input, alone within its range, changes the lead of {lead} over "
            f"{runner_up}."
        )
    outside, _, name, point, likely = min(found)
    label, change = input_named(name), _change(name, point, likely)
    pair = f"{runner_up} would cost less than {lead}"
    if not outside:
        return f"What would change it: if {label} were {change}, {pair}."
    if _plausible(name, point, likely):
        return (
            f"No uncertain input within its range changes that: {pair} only if {label} were "
            f"{change}."
        )
    widest = max(bars, key=lambda bar: abs(bar["difference_at_high"] - bar["difference_at_low"]))
    swing = abs(widest["difference_at_high"] - widest["difference_at_low"])
    currency = tornado.get("currency", "")
    return (
        f"No uncertain input within its range changes that: the one that moves it most, "
        f"{input_named(widest['input'])}, shifts the {money(abs(baseline), currency)} "
        f"by which {lead} leads {runner_up} by {money(swing, currency)} across its range."
    )


def _how_sure(results: dict) -> list[str]:
    summary = results.get("summary") or {}
    cheapest, probability = summary.get("cheapest_option"), summary.get("probability_cheapest")
    samples = (results.get("monte_carlo") or {}).get("samples") or 0
    sentences = []
    if cheapest and probability is not None:
        sentences.append(
            f"Of the single options the rules permit for every workload, "
            f"{lowered(option_label(cheapest))} costs least in {probability:.0%} of "
            f"{samples:,} samples."
        )
    flip = _what_would_flip(results)
    if flip:
        sentences.append(flip)
    return sentences


def _left_out(results: dict, snapshot: dict, named: dict[str, str]) -> list[dict]:
    rows = [
        {
            "id": e["id"],
            "name": named.get(e["id"], e["id"]),
            "reason": e["reason"],
            "fix": e.get("fix", ""),
        }
        for e in snapshot.get("excluded") or []
    ]
    for workload in (results.get("placement") or {}).get("unplaced") or []:
        rows.append({
            "id": workload,
            "name": named.get(workload, workload),
            "reason": "no option the data rules permit has a price for it",
            "fix": "see its findings in the workload pages, or add a permitted offer to a catalog",
        })  # fmt: skip
    return rows


def _unpriced(results: dict) -> dict[str, int]:
    """Options not priced for the whole portfolio -> how many workloads lack a price for them
    (a workload the rules refuse it to, or whose kind of work it never takes, is no gap in the
    data)."""
    engine = results.get("engine") or {}
    return {
        option: sum(
            1
            for w in engine.get("workloads") or []
            if "missing" in (w.get("options") or {}).get(option, {})
            and not w["options"][option].get("blocked_by")
            and not w["options"][option].get("inapplicable")
        )
        for option, row in (engine.get("portfolio") or {}).items()
        if "npv" not in row
    }


def stale_rates(snapshot: dict) -> list[str]:
    """Each exchange rate the run converted with that is older than the snapshot's limit on its
    prices-as-of date: the rate, its date and its age."""
    limit, as_of = snapshot.get("fx_max_age_days"), snapshot.get("prices_as_of")
    if limit is None or not as_of:
        return []
    day = date.fromisoformat(as_of)
    stale = []
    for rate in snapshot["scenario"]["offers"].get("fx", []):
        age = (day - date.fromisoformat(rate["date"])).days
        if age > limit:
            stale.append(
                f"{rate['base']} to {rate['quote']} at {rate['rate']:g} of {rate['date']} "
                f"({count(age, 'day')} old)"
            )
    return stale


def _stale_sentence(snapshot: dict) -> str:
    stale = stale_rates(snapshot)
    if not stale:
        return ""
    return (
        f"Exchange rates older than {count(snapshot['fx_max_age_days'], 'day')} on "
        f"{snapshot['prices_as_of']}, the date prices are taken as of: {listed(stale)}."
    )


def _data_gaps(unpriced: dict[str, int], snapshot: dict) -> str:
    sentences = (_unpriced_sentence(unpriced), _stale_sentence(snapshot))
    return " ".join(sentence for sentence in sentences if sentence)


def _unpriced_sentence(unpriced: dict[str, int]) -> str:
    if not unpriced:
        return ""
    gaps = [
        f"{lowered(option_label(option))} ({count(lacking, 'workload')} without a price)"
        if lacking
        else lowered(option_label(option))
        for option, lacking in unpriced.items()
    ]
    return "Not priced for every workload, for want of prices in the catalogs: " + (
        ", ".join(gaps) + "."
    )


def executive_answer(results: dict, snapshot: dict) -> dict:
    """The answer's sentences in order, and the figures and groups the pages lay out."""
    engine = results.get("engine") or {}
    currency = engine.get("currency", "")
    horizon = engine.get("horizon_months") or 0
    named = {
        w["id"]: w.get("name") or w["id"]
        for w in (snapshot.get("scenario") or {}).get("workloads") or []
    }
    named.update(
        (w["external_id"], w.get("name") or w["external_id"])
        for w in snapshot.get("workloads") or []
    )
    summary = results.get("summary") or {}
    unpriced = _unpriced(results)
    do = _what_to_do(results, named, currency, horizon)
    why = _rules_that_bind(engine, results.get("placement") or {}, named, currency)
    contrast = _portfolio_against_alone(results, named, currency)
    if contrast:
        why.append(contrast)
    return {
        "do": do["sentence"],
        "groups": do["groups"],
        "npv": do["npv"],
        "p10": do["p10"],
        "p90": do["p90"],
        "currency": currency,
        "why": why,
        "sovereignty": _sovereignty_cost(summary, currency),
        "how_sure": _how_sure(results),
        "left_out": _left_out(results, snapshot, named),
        "unpriced": unpriced,
        "data_gaps": _data_gaps(unpriced, snapshot),
    }


def answer_lines(answer: Answer | None) -> list[str]:
    """The answer as plain text, a paragraph a line, for e-mails and the terminal."""
    if answer is None:
        return []
    lines = [answer.do or "No placement could be priced and permitted for the portfolio."]
    lines += [f"Why: {sentence}" for sentence in answer.why]
    if answer.sovereignty:
        lines.append(answer.sovereignty)
    lines += answer.how_sure
    if answer.left_out:
        lines.append(f"Left out of this run ({count(len(answer.left_out), 'workload')}):")
        for row in answer.left_out[:NAMED_AT_MOST]:
            fix = f" To include it, {row.fix}." if row.fix else ""
            lines.append(f"- {row.name} ({row.id}): {row.reason}.{fix}")
        if len(answer.left_out) > NAMED_AT_MOST:
            rest = len(answer.left_out) - NAMED_AT_MOST
            lines.append(f"- and {count(rest, 'other workload')}: the run's page lists each.")
    if answer.data_gaps:
        lines.append(answer.data_gaps + " The report's appendix lists each price used.")
    return lines
