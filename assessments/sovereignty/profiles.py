"""Inputs of the sovereignty scoring: provider, deployment option and workload (frozen dataclasses).

Tri-state facts are ``bool | None``: ``None`` means "not established", which is never read as the
favourable answer. The vocabularies mirror the inventory (portal/models/workload.py) and the
provider attributes (costing/models/provider.py) without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass

Fact = bool | None

CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
SECTORS = ("none", "health", "finance", "public_sector", "critical_infrastructure", "defence")
RESIDENCY_REQUIREMENTS = ("none", "eu_eea", "country", "on_premises")
DEPLOYMENTS = ("on_premises", "colocation", "cloud_gpu", "managed_api")
# Who holds the keys: provider KMS default, customer-managed in provider KMS, bring your own key,
# hold your own key (external key manager), keys only in customer-controlled machines.
KEY_CUSTODY = ("provider", "cmk", "byok", "hyok", "customer_only")
CLOUD_ACT = ("yes", "no", "unclear", "unknown")
ANSWERS = ("yes", "no", "na", "unknown")
EXIT_PLANS = ("none", "documented", "tested")
SELF_HOSTED = frozenset({"on_premises", "colocation"})


def _check(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(allowed)}")


@dataclass(frozen=True)
class ProviderProfile:
    """What is established about a provider's jurisdiction, terms and certifications."""

    name: str
    headquarters_country: str | None = None  # ISO 3166 alpha-2; None = not established
    parent_country: str | None = None
    us_cloud_act_exposure: str = "unknown"
    eu_residency_offer: str = ""
    certifications: frozenset[str] = frozenset()  # held for the provider's services
    limited_certifications: frozenset[str] = frozenset()  # for some offers only, or in progress
    customer_managed_keys: str = "unknown"
    zero_data_retention: str = "unknown"
    trains_on_api_data_by_default: str = "unknown"
    dpf_certified: Fact = None  # EU-US Data Privacy Framework self-certification
    baa_available: Fact = None
    facts_verified: bool = True  # False when the source says HQ/parent come from general knowledge
    notes: str = ""

    def __post_init__(self) -> None:
        _check("us_cloud_act_exposure", self.us_cloud_act_exposure, CLOUD_ACT)
        for name in ("customer_managed_keys", "zero_data_retention"):
            _check(name, getattr(self, name), ANSWERS)
        _check("trains_on_api_data_by_default", self.trains_on_api_data_by_default, ANSWERS)


@dataclass(frozen=True)
class OptionProfile:
    """One deployment option of a workload and the facts established about it."""

    option_id: str
    deployment: str
    provider: ProviderProfile | None = None  # None for own premises; the site for colocation
    region: str = ""  # the provider's region name, for reports (e.g. eu-west-1)
    data_location: str | None = None  # ISO country of that region: where data is stored and used
    support_access_outside_eea: Fact = None
    key_custody: str | None = None
    confidential_computing: Fact = None  # with customer-verified attestation
    open_weights: Fact = None
    zero_data_retention: Fact = None  # contracted for this option
    dpa_signed: Fact = None
    scc_signed: Fact = None
    tia_documented: Fact = None
    baa_signed: Fact = None
    dora_contract: Fact = None  # Art. 30(2)/(3) clauses, register entry and exit strategy
    german_establishment: Fact = None
    exit_plan: str | None = None
    log_retention_months: int | None = None  # how long the deployer can keep generated logs
    egress_per_gb: float | None = None
    certifications: frozenset[str] = frozenset()  # qualified for this exact offer

    def __post_init__(self) -> None:
        _check("deployment", self.deployment, DEPLOYMENTS)
        if self.key_custody is not None:
            _check("key_custody", self.key_custody, KEY_CUSTODY)
        if self.exit_plan is not None:
            _check("exit_plan", self.exit_plan, EXIT_PLANS)
        if self.deployment in {"cloud_gpu", "managed_api"} and self.provider is None:
            raise ValueError(f"{self.option_id}: a {self.deployment} option needs a provider")

    @property
    def self_hosted(self) -> bool:
        return self.deployment in SELF_HOSTED

    @property
    def third_party(self) -> bool:
        """A third party handles the data in the clear (GDPR Art. 28 processor)."""
        return self.deployment in {"cloud_gpu", "managed_api"}

    def all_certifications(self) -> frozenset[str]:
        """Offer-level qualifications plus those the provider holds for all its services."""
        held = self.provider.certifications if self.provider else frozenset()
        return self.certifications | held


@dataclass(frozen=True)
class WorkloadProfile:
    """The inventory fields of a workload that decide which rules apply, plus facts on paperwork."""

    classification: str = "internal"
    personal_data: bool = False
    special_category: bool = False
    sector: str = "none"
    residency_requirement: str = "none"
    organization_country: str = ""
    member_state: str | None = None  # defaults to the organization's country
    phi: Fact = None  # US protected health information; None = presumed for US health
    dpia_completed: Fact = None
    critical_or_important_function: Fact = None  # DORA; None = presumed for finance
    annex_iii_high_risk: Fact = None
    uses_media_rights: bool = False  # trains on archive works or generates voices/likenesses
    tdm_reserved_without_licence: Fact = None
    real_person_likeness_unauthorised: Fact = None
    statutory_health_actor: Fact = None  # section 393 SGB V; None = presumed for DE health
    public_sensitive_data: Fact = None  # loi SREN; None = presumed for FR public, confidential+
    ens_category: str | None = None  # basica / media / alta

    def __post_init__(self) -> None:
        _check("classification", self.classification, CLASSIFICATIONS)
        _check("sector", self.sector, SECTORS)
        _check("residency_requirement", self.residency_requirement, RESIDENCY_REQUIREMENTS)
        if self.special_category and not self.personal_data:
            raise ValueError("special-category data is personal data: set personal_data too")

    @property
    def state(self) -> str:
        """The member state whose national rules apply."""
        return (self.member_state or self.organization_country or "").upper()

    @property
    def classification_rank(self) -> int:
        return CLASSIFICATIONS.index(self.classification)
