"""The demo organization's assessment: its own price quotes, the question, a run and its PDF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from assessments.models import Assessment, AssessmentRun, RunReport, RunStatus
from assessments.models.assessment import OfferLocations
from assessments.services.assessments import assessment_save
from assessments.services.run_start import assessment_run_start
from assessments.services.runs import assessment_run_execute
from costing.models import Catalog, GpuSpec
from costing.services import catalog_publish, catalog_row_add, private_catalog_create
from portal.models import Organization

DEMO_CATALOG = "Northlight quotes"
DEMO_ASSESSMENT = "Where should Northlight's AI run?"
# The fictional organization's own supplier quote: demo data, labelled as such wherever cited.
DEMO_QUOTE_NOTE = (
    "Demo data: illustrative supplier quote of the fictional Northlight Studios, not a market "
    "price. Replace it with your own quotes in a private catalog."
)


def demo_catalog_ensure(*, organization: Organization) -> Catalog:
    """Northlight's private catalog: the L40S servers its audio and image work runs on (the
    public reference data lists no L40S server)."""
    existing = Catalog.objects.for_organization(organization).filter(
        organization=organization, name=DEMO_CATALOG
    )
    if existing.exists():
        return existing.first()
    catalog = private_catalog_create(
        organization=organization,
        name=DEMO_CATALOG,
        version="1",
        currency="EUR",
        effective_date=timezone.localdate().replace(day=1),
        source="Demo data",
        notes=DEMO_QUOTE_NOTE,
    )
    gpu = GpuSpec.objects.public().filter(name__icontains="L40S").first()
    catalog_row_add(
        catalog=catalog,
        kind="server",
        organization=organization,
        fields={
            "system": "4x L40S 2U inference server (Northlight quote)",
            "gpu_name": gpu.name if gpu else "NVIDIA L40S",
            "gpu": gpu,
            "gpu_count": 4,
            "price": Decimal("52000"),
            "price_kind": "street",
            "currency": "EUR",
            "power_typical_kw": Decimal("1.8"),
            "power_max_kw": Decimal("2.4"),
            "rack_units": 2,
            "support_pct_per_year": Decimal("8"),
            "useful_life_years": Decimal("5"),
            "date": timezone.localdate().replace(day=1),
            "source_url": "",
            "source_kind": "",
            "notes": DEMO_QUOTE_NOTE,
        },
    )
    return catalog_publish(catalog=catalog, organization=organization)


def demo_assessment_run(*, organization: Organization, out_dir: Path) -> tuple[AssessmentRun, Path]:
    """Assess every demo workload (EU/EEA offers only), run it and write the PDF to ``out_dir``."""
    demo_catalog_ensure(organization=organization)
    assessment = (
        Assessment.objects.for_organization(organization).filter(name=DEMO_ASSESSMENT).first()
    )
    if assessment is None:
        assessment = assessment_save(
            organization=organization,
            assessment=Assessment(
                name=DEMO_ASSESSMENT,
                description="Every workload of the inventory, every deployment option, cloud and "
                "API offers processing data in the EU/EEA only, over the organization's horizon.",
                offer_locations=OfferLocations.EEA,
                min_sovereign_share_pct=Decimal("50"),
            ),
        )
    run = assessment_run_start(assessment=assessment, requested_by=None)
    # Computed here in any case (the embedded default has already done so on commit; the run's
    # steps are idempotent, so a second call finds it finished and does nothing).
    assessment_run_execute(organization_id=organization.pk, run_id=run.pk, task_id=run.task_id)
    run = AssessmentRun.objects.for_organization(organization).get(pk=run.pk)
    if run.status != RunStatus.SUCCEEDED:
        raise RuntimeError(f"The demo run did not succeed ({run.status}): {run.error}")
    report = RunReport.objects.for_organization(organization).get(run=run)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"sovra-{organization.slug}-run-{run.number}.pdf"
    path.write_bytes(bytes(report.pdf))
    return run, path
