"""The deployment options, once: every name, colour and class a page, chart, form, rule or
report gives an option is read from here, so adding an option is one entry (and the engine's
costing of it), not a hunt through eight modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeploymentOption:
    id: str  # the engine's key, stable in stored results and the API
    label: str  # tables and charts: "Cloud on demand"
    form_label: str  # a choice in a form, where there is room to say more
    place: str  # ends "run 9 workloads ...": "on premises"
    colour: str  # one colour per option in every chart
    # What the sovereignty rules reason about: who handles the data under this option. Hybrid is
    # a cloud deployment for them, since its bursts run on the cloud provider and its rules bind.
    deployment_class: str
    owned: bool  # servers bought and run by the organization (the fleet a placement shares)


DEPLOYMENT_OPTIONS: tuple[DeploymentOption, ...] = (
    DeploymentOption(
        "on_prem", "On-premises", "On premises (own facility)", "on premises",
        "#1b4f72", "on_premises", owned=True,
    ),
    DeploymentOption(
        "colocation", "Colocation", "Colocation", "in colocation",
        "#2e86c1", "colocation", owned=True,
    ),
    DeploymentOption(
        "cloud_on_demand", "Cloud on demand", "Cloud GPUs on demand",
        "on cloud GPUs rented by the hour", "#d35400", "cloud_gpu", owned=False,
    ),
    DeploymentOption(
        "cloud_committed", "Cloud committed", "Cloud GPUs committed",
        "on cloud GPUs under a commitment", "#f0a30a", "cloud_gpu", owned=False,
    ),
    DeploymentOption(
        "managed_api", "Managed API", "Managed model API", "through a managed model API",
        "#7d3c98", "managed_api", owned=False,
    ),
    DeploymentOption(
        "hybrid", "Hybrid", "Hybrid (owned base, cloud burst)",
        "on owned servers with cloud bursts (hybrid)", "#239b56", "cloud_gpu", owned=True,
    ),
)  # fmt: skip

OPTIONS: tuple[str, ...] = tuple(option.id for option in DEPLOYMENT_OPTIONS)
BY_ID: dict[str, DeploymentOption] = {option.id: option for option in DEPLOYMENT_OPTIONS}


def option_field(field: str) -> dict[str, str]:
    """One attribute of every option by id: ``option_field("label")["hybrid"] == "Hybrid"``."""
    return {option.id: getattr(option, field) for option in DEPLOYMENT_OPTIONS}
