"""How numbers read in charts, pages and PDF reports: money, percentages, months, options.

One module so that a figure printed in a chart, a table and the executive summary reads the
same everywhere, and a test can format a result the way the report does. No Django here: the
chart functions use it too.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from costing.engine.deployment_options import option_field

# Fixed names for the engine's option ids; an id not listed reads with spaces for underscores.
OPTION_LABELS = option_field("label")
MISSING = "\u2013"  # an en dash: a value the run does not have


def _decimal(value) -> Decimal | None:
    """Money is Decimal in reports: the engine's float is rounded once, here, at the edge."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def number(value, decimals: int = 0) -> str:
    """``1234567.8`` -> ``1,234,568``; half away from zero; an en dash for None or not a number."""
    found = _decimal(value)
    if found is None:
        return MISSING
    rounded = found.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    return f"{rounded:,.{decimals}f}"


def money(value, currency: str = "", decimals: int = 0) -> str:
    """``4820084.2, "EUR"`` -> ``4,820,084 EUR``: thousands separators, ISO code after."""
    text = number(value, decimals)
    return f"{text} {currency}".strip() if text != MISSING else MISSING


def unit_money(value, currency: str = "") -> str:
    """Unit costs (per 1M tokens, per GPU-hour) keep cents: ``0.53 EUR``."""
    return money(value, currency, decimals=2)


def percent(fraction, decimals: int = 0) -> str:
    """A fraction as a percentage: ``0.3057`` -> ``31%``."""
    found = _decimal(fraction)
    if found is None:
        return MISSING
    return f"{number(found * 100, decimals)}%"


def score(value, decimals: int = 1) -> str:
    """A 0-5 sovereignty score: ``3.25`` -> ``3.3``."""
    return number(value, decimals)


def months(value) -> str:
    """A month on the horizon: ``14.43`` -> ``month 14.4``."""
    found = _decimal(value)
    if found is None:
        return MISSING
    return f"month {number(found, 1)}"


def breakeven(value) -> str:
    """When the cheaper option starts to stay cheaper: ``from month 14.4``, ``from the start``."""
    found = _decimal(value)
    if found is None:
        return "never within the horizon"
    if found == 0:
        return "from the start"
    return f"from {months(found)}"


def quantity(value, decimals: int = 4) -> str:
    """A catalog value as precise as it is given, up to ``decimals``: ``52`` -> ``52``,
    ``0.2001`` -> ``0.2001``, ``128940`` -> ``128,940``."""
    text = number(value, decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


def option_label(option: str | None) -> str:
    """The option's name for people: ``cloud_on_demand`` -> ``Cloud on demand``."""
    if not option:
        return MISSING
    return OPTION_LABELS.get(option, option.replace("_", " "))


# The engine's kinds of work as a reader names them.
KIND_LABELS = {
    "chat": "chat",
    "batch_inference": "batch inference",
    "embeddings": "embeddings",
    "fine_tuning": "fine-tuning",
    "training": "training",
    "speech_audio": "speech and audio",
    "image_video": "image and video generation",
    "other_gpu": "other GPU work",
}


def kind_label(kind: str | None) -> str:
    """``speech_audio`` -> ``speech and audio``."""
    if not kind:
        return MISSING
    return KIND_LABELS.get(kind, kind.replace("_", " "))


# The engine's cost components (the parts of a cash flow) as a reader names them.
COMPONENT_LABELS = {
    "purchase": "Server purchases",
    "refresh": "Server refresh",
    "loan_payments": "Loan payments",
    "residual": "Residual value",
    "facility_build": "Facility build",
    "support": "Support",
    "energy": "Energy",
    "colocation": "Colocation rent",
    "staff": "Staff",
    "software": "Software",
    "network_storage": "Network and storage",
    "cloud_committed": "Cloud GPUs, committed",
    "cloud_on_demand": "Cloud GPUs, on demand",
    "api_tokens": "API tokens",
}


def component_label(component: str | None) -> str:
    """``network_storage`` -> ``Network and storage``."""
    if not component:
        return MISSING
    return COMPONENT_LABELS.get(component, component.replace("_", " ").capitalize())


# The Monte Carlo's uncertain inputs as people name them, with what their values mean: most are
# multipliers of the priced (likely) value; growth is added, in points a year.
UNCERTAIN_INPUTS = {
    "cloud_price": "Cloud GPU prices",
    "api_price": "API prices",
    "server_price": "Server prices",
    "electricity_tariff": "Electricity tariff",
    "staff_cost": "Staff cost",
    "demand": "Demand",
    "demand_growth_delta_per_year": "Demand growth",
    "throughput": "Throughput (sizing error)",
}


def uncertain_input(name: str | None) -> str:
    """``server_price`` -> ``Server prices``; an unknown id reads with spaces."""
    if not name:
        return MISSING
    return UNCERTAIN_INPUTS.get(name, name.replace("_", " "))


def uncertain_value(name: str, value) -> str:
    """One end of an input's range with its unit: ``0.8`` of a price -> ``x0.80``; growth
    ``-0.1`` -> ``-10 pts/year``."""
    if value is None:
        return MISSING
    if name == "demand_growth_delta_per_year":
        return f"{float(value) * 100:+.0f} pts/year"
    return f"\u00d7{float(value):.2f}"


def uncertain_range(name: str, low, high) -> str:
    """``x0.80 to x1.30 of the priced value``, or ``-10 to +10 pts/year`` for growth."""
    if name == "demand_growth_delta_per_year":
        return f"{float(low) * 100:+.0f} to {float(high) * 100:+.0f} pts/year"
    return f"{uncertain_value(name, low)} to {uncertain_value(name, high)} of the likely value"


# The run's assumptions and settings as a reader names them, with how their values read:
# "share" is a fraction shown as a percentage, "pct" already one, "option" an option id.
SETTINGS = {
    "demand_growth_per_year": ("Demand growth a year", "share"),
    "cloud_price_trend_per_year": ("Cloud GPU price trend a year", "share"),
    "api_price_trend_per_year": ("API price trend a year", "share"),
    "electricity_price_trend_per_year": ("Electricity price trend a year", "share"),
    "software_per_gpu_year": ("Software per GPU a year", "text"),
    "network_storage_per_month": ("Network and storage a month", "text"),
    "sizing_profile": ("Sizing profile", "words"),
    "sizing_overrides": ("Sizing overrides", "words"),
    "owned_utilisation_target": ("Owned fleet utilisation target", "share"),
    "batch_peaks_coincide": ("Batch peaks coincide with serving peaks", "text"),
    "idle_power_fraction": ("Idle power (share of full power)", "share"),
    "peak_hours_per_day": ("Peak hours a day", "text"),
    "commitment_term": ("Commitment term", "words"),
    "financing.kind": ("Financing", "words"),
    "financing.annual_rate": ("Financing rate a year", "share"),
    "financing.term_months": ("Financing term (months)", "text"),
    "refresh_at_end_of_life": ("Hardware replaced at the end of its life", "text"),
    "residual_value_fraction": ("Residual value (share of the price)", "share"),
    "description": ("Description", "text"),
    "options": ("Options compared", "options"),
    "horizon_years": ("Horizon (years)", "text"),
    "offer_locations": ("Offers priced", "words"),
    "assumption_overrides": ("Assumption overrides", "words"),
    "monte_carlo_samples": ("Monte Carlo samples", "number"),
    "random_seed": ("Random seed", "text"),
    "sovereignty_weight_pct": ("Sovereignty weight (%)", "text"),
    "sovereign_min_seal": ("Sovereign from SEAL level", "text"),
    "constraints.budget_cap": ("Budget cap (NPV)", "number"),
    "constraints.power_limit_kw": ("Power limit (kW)", "number"),
    "constraints.rack_units_limit": ("Rack units limit", "number"),
    "constraints.min_sovereign_share_pct": ("Minimum sovereign share (%)", "text"),
    "recipients": ("Report recipients", "text"),
    "workload_tags": ("Workload tags selected", "text"),
}
# Coded values that read better in words.
VALUE_WORDS = {
    "reserved_1y": "1-year reservation",
    "reserved_3y": "3-year reservation",
    "tuned_server": "tuned server (measured serving stacks)",
    "eea": "processing in the EU/EEA only",
    "none": "none",
}


def _setting_key(key: str) -> str:
    return key.removeprefix("assumptions.").removeprefix("assessment.")


def setting_label(key: str) -> str:
    """``owned_utilisation_target`` -> ``Owned fleet utilisation target``; an unknown key reads
    with spaces and its dotted parts joined by a colon."""
    key = _setting_key(key)
    known = SETTINGS.get(key)
    if known:
        return known[0]
    text = key.replace(".", ": ").replace("_", " ")
    return text[:1].upper() + text[1:]


def setting_value(key: str, value) -> str:
    """A setting's value in words: fractions as percentages, yes/no, codes and options named."""
    kind = SETTINGS.get(_setting_key(key), ("", "text"))[1]
    if value is None or value == "" or value == []:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "share":
        return percent(value, 1)
    if kind == "number":
        return number(value)
    if kind == "options" and isinstance(value, list | tuple):
        return ", ".join(option_label(v) for v in value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if kind == "words" and isinstance(value, str):
        return VALUE_WORDS.get(value, value.replace("_", " "))
    return str(value)


# A table cell or a list names this many workloads and counts the rest: a group of a thousand
# would otherwise fill pages of the executive summary.
NAMES_SHOWN = 12


def workload_names(workloads) -> str:
    """A group's workloads in a cell: ``Archive embeddings; Metadata tagging``; past
    ``NAMES_SHOWN``, ``...; and 988 more``. Rows are stored dicts or typed results."""
    names = [w["name"] if isinstance(w, dict) else w.name for w in workloads or ()]
    if len(names) > NAMES_SHOWN:
        return "; ".join(names[:NAMES_SHOWN]) + f"; and {len(names) - NAMES_SHOWN:,} more"
    return "; ".join(names)
