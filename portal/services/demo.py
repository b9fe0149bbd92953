"""The demo organization: a media production house with a dozen realistic AI workloads.

The figures are reasoned estimates for a mid-sized French production and post-production house
of about 400 staff, not measurements of a real company; each row says how it was reached. Work
an API bills by another unit than tokens states that volume too (audio minutes transcribed,
images generated), reached from the same activity as its GPU-hours, so both options price the
same work; work no API in the catalogs performs states none, and says why.
Workloads go through ``workloads_upsert``, so the demo is validated exactly as an import is.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from portal.models import Membership, ModelSpec, Organization, Role, Workload
from portal.services.model_specs import model_specs_seed_public
from portal.services.organizations import organization_create, organization_update
from portal.services.workloads import workloads_upsert

DEMO_SLUG = "northlight"
DEMO_EMAIL_DOMAIN = "northlight.example"
ANALYST_USERNAME = "analyst"

DEMO_ORGANIZATION = {
    "name": "Northlight Studios",
    "slug": DEMO_SLUG,
    "country": "FR",
    "currency": "EUR",
}
DEMO_ASSUMPTIONS = {
    # Reasoned estimate of a French business tariff for a small machine room, taxes included.
    "electricity_price_per_kwh": Decimal("0.1700"),
    # Reasoned estimate of a Paris-region operations engineer's salary plus employer charges.
    "staff_cost_per_fte_year": Decimal("95000.00"),
}

# Rows keyed by portal.services.workload_rows.WORKLOAD_COLUMNS; ``model`` is a seeded spec's name.
DEMO_WORKLOADS: list[dict] = [
    {
        "external_id": "NL-AUD-01",
        "name": "Archive audio restoration",
        "owner_team": "Archive",
        "kind": "speech",
        # ~30,000 hours of analogue audio restored over five years: ~500 hours a month. Denoise,
        # de-reverb and source-separation passes at about 3x real time on one L40S make
        # ~0.35 GPU-hour per hour of audio: ~175, rounded to 180 GPU-hours a month.
        "gpu_hours_per_month": "180",
        # Collections are finished in night batches before a deadline.
        "peak_gpus": 4,
        "gpu_class": "L40S",
        # No audio minutes: the catalogs' per-minute speech APIs transcribe (whisper-1,
        # voxtral-mini, whisper-large-v3-turbo); none restores audio, so no API takes this work.
        "growth_pct_per_year": "0",
        # Rights-managed masters; recorded voices make it personal data (no identification).
        "data_classification": "confidential",
        "personal_data": True,
        "special_category_data": False,
        "residency_requirement": "none",
        "tags": ["archive", "audio"],
        "notes": "Five-year restoration programme of the tape archive.",
    },
    {
        "external_id": "NL-DUB-02",
        "name": "Voice cloning for dubbing",
        "owner_team": "Localisation",
        "kind": "speech",
        # 25 titles a month of ~1.5 h dubbed into 3 languages: ~110 hours of output at
        # ~0.5 GPU-hour each (55), plus a voice model for ~40 lead voices at ~3 GPU-hours each
        # (120): ~180 GPU-hours a month on L40S.
        "gpu_hours_per_month": "180",
        "peak_gpus": 4,
        "gpu_class": "L40S",
        # No audio minutes: an API would bill the ~110 hours of dubbed speech it generates, not
        # minutes transcribed, and the one such price in the catalogs (ElevenLabs' TTS plan "as
        # low as" 0.05 USD a minute of speech, on a 990 USD a month plan) is a plan's marginal
        # rate that leaves out the ~40 voice models trained each month: it stays GPU-hours.
        # Dubbing demand from streaming platforms keeps growing (reasoned estimate).
        "growth_pct_per_year": "50",
        # Actors' voiceprints are biometric data (GDPR Art. 9); contracts keep them in the EU.
        "data_classification": "restricted",
        "personal_data": True,
        "special_category_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["dubbing", "biometric", "talent"],
        "notes": "Voice models of consenting actors; consent and contracts held by Legal.",
    },
    {
        "external_id": "NL-STT-03",
        "name": "Transcription and subtitles",
        "owner_team": "Post-production",
        "kind": "speech",
        "model": "Whisper large-v3",
        "precision": "fp16",
        # ~1,800 hours of rushes, interviews and archive a month; batched Whisper large-v3
        # transcribes roughly 40x real time on one L40S-class GPU: ~45 GPU-hours a month.
        "gpu_hours_per_month": "45",
        "peak_gpus": 2,
        "gpu_class": "L40S",
        # The same 1,800 hours as a transcription API bills them: 108,000 audio minutes a month.
        "audio_minutes_per_month": 108_000,
        "growth_pct_per_year": "20",
        # Unreleased material, and interviewees are identifiable.
        "data_classification": "confidential",
        "personal_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["subtitles", "post-production"],
    },
    {
        "external_id": "NL-CHAT-04",
        "name": "Staff assistant",
        "owner_team": "IT",
        "kind": "chat",
        "model": "Llama 3.3 70B",
        "precision": "fp8",
        # ~400 staff, ~60% use it on a working day with ~8 requests each: ~2,000 requests per
        # working day, ~1,400 a day averaged over the week.
        "requests_per_day": 1400,
        # System prompt (~600 tokens) plus history and pasted text (~1,200).
        "avg_input_tokens": 1800,
        # The system prompt repeats on every request: 600 / 1,800 = a third is cacheable.
        "cached_input_pct": "33",
        "avg_output_tokens": 350,
        # Busiest hour: 2,000 requests over ~9 working hours x 1.6 for the morning peak,
        # ~360 an hour, against a weekly average of ~60 an hour.
        "peak_factor": "6",
        "ttft_target_ms": 1500,
        "output_tokens_per_second_target": 25,
        "growth_pct_per_year": "30",
        # Staff paste e-mails and notes that name people.
        "data_classification": "internal",
        "personal_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["assistant", "all-staff"],
    },
    {
        "external_id": "NL-RAG-05",
        "name": "Script and contract search",
        "owner_team": "Legal & Business Affairs",
        "kind": "chat",
        "model": "Llama 3.1 70B",
        "precision": "bf16",
        # ~60 users (legal, development, production) x ~6 questions per working day: ~360,
        # ~260 a day averaged over the week.
        "requests_per_day": 260,
        # Eight retrieved passages of ~600 tokens, the question and a ~1,000-token system prompt.
        "avg_input_tokens": 6000,
        # Only the system prompt repeats (passages vary): 1,000 / 6,000 = about 17%.
        "cached_input_pct": "17",
        "avg_output_tokens": 450,
        # A small group in office hours is burstier than the all-staff assistant.
        "peak_factor": "5",
        # Long prompts take longer to prefill: users accept a slower first token here.
        "ttft_target_ms": 3000,
        "output_tokens_per_second_target": 20,
        "growth_pct_per_year": "25",
        # Unreleased scripts; contracts name talent and their fees.
        "data_classification": "confidential",
        "personal_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["rag", "legal", "scripts"],
    },
    {
        "external_id": "NL-FT-06",
        "name": "Archive style fine-tune (LoRA)",
        "owner_team": "Data & AI",
        "kind": "fine_tuning",
        "model": "Llama 3.1 8B",
        "precision": "bf16",
        "fine_tuning_method": "lora",
        # ~60,000 scripts, synopses and catalogue records make ~150M tokens; each month ~50M
        # tokens of new and curated material are trained for 2 epochs: 100M tokens a month.
        "training_tokens_per_month": 100_000_000,
        "growth_pct_per_year": "10",
        # The archive is the company's IP; credits name real people.
        "data_classification": "confidential",
        "personal_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["archive", "fine-tuning"],
        "notes": "The adapter serves the metadata tagging job (NL-TAG-09).",
    },
    {
        "external_id": "NL-IMG-07",
        "name": "Storyboard image generation",
        "owner_team": "Development",
        "kind": "image_video",
        # 12 storyboard artists x ~150 images a day x 21 working days: ~38,000 images a month;
        # a 1024x1024 diffusion image in ~5 s on an L40S gives ~53 GPU-hours, x1.5 for
        # inpainting and upscaling passes: ~80 GPU-hours a month.
        "gpu_hours_per_month": "80",
        # What an image API would bill: the same 37,800 images (the inpainting and upscaling
        # passes, the x1.5 above, are the house's own work on them).
        "images_per_month": 37_800,
        # Interactive in office hours; not all artists generate at once.
        "peak_gpus": 3,
        "gpu_class": "L40S",
        "growth_pct_per_year": "40",
        "data_classification": "confidential",
        "personal_data": False,
        "residency_requirement": "none",
        "tags": ["development", "storyboards"],
    },
    {
        "external_id": "NL-EMB-08",
        "name": "Archive embeddings",
        "owner_team": "Data & AI",
        "kind": "embeddings",
        # The seeded model is English-only: it indexes the English-language part of the
        # archive (co-productions, international sales); a multilingual model would be added.
        "model": "bge-large-en-v1.5 (embedding)",
        "precision": "fp16",
        # ~1,500 new documents a day x ~25 chunks, plus ~2,400 search and RAG queries.
        "requests_per_day": 40_000,
        # Chunks average ~380 tokens within the model's 512-token context.
        "avg_input_tokens": 380,
        "avg_output_tokens": 0,
        # Ingest runs at night.
        "peak_factor": "3",
        "growth_pct_per_year": "15",
        "data_classification": "confidential",
        "personal_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["archive", "search"],
    },
    {
        "external_id": "NL-TAG-09",
        "name": "Metadata tagging",
        "owner_team": "Archive",
        "kind": "batch",
        "model": "Llama 3.1 8B",
        "precision": "bf16",
        # ~2,000 new clips a day from dailies plus ~4,000 a day of archive backfill.
        "requests_per_day": 6000,
        # Transcript excerpt, shot list and the tag vocabulary in; a JSON list of tags out.
        "avg_input_tokens": 2200,
        "avg_output_tokens": 200,
        # Runs overnight, spread over the night.
        "peak_factor": "1.5",
        "growth_pct_per_year": "15",
        "data_classification": "internal",
        "personal_data": False,
        "residency_requirement": "none",
        "tags": ["archive", "batch"],
    },
    {
        "external_id": "NL-TRN-10",
        "name": "Subtitle translation",
        "owner_team": "Localisation",
        "kind": "batch",
        "model": "mistral-medium-3",
        # ~40 hours of programme a month into 6 languages; an hour of dialogue is ~12,000
        # tokens, sent in blocks of ~1,200: 40 x 10 x 6 = 2,400 requests a month, ~80 a day.
        "requests_per_day": 80,
        # The block plus ~800 tokens of glossary and instructions.
        "avg_input_tokens": 2000,
        # Translations run slightly longer than the source, with timing codes kept.
        "avg_output_tokens": 1300,
        # Deliveries cluster before releases.
        "peak_factor": "3",
        "growth_pct_per_year": "20",
        # Unreleased films: a leaked plot is a commercial loss.
        "data_classification": "confidential",
        "personal_data": False,
        "residency_requirement": "none",
        "tags": ["localisation", "api"],
    },
    {
        "external_id": "NL-PR-11",
        "name": "Press-release assistant",
        "owner_team": "Communications",
        "kind": "chat",
        "model": "gpt-4.1",
        # A team of 6 with ~8 drafts each per working day: ~50, ~35 a day over the week.
        "requests_per_day": 35,
        # Brief, fact sheet and two earlier releases in; a ~500-word release out.
        "avg_input_tokens": 2500,
        "avg_output_tokens": 700,
        "peak_factor": "6",
        "ttft_target_ms": 2000,
        "growth_pct_per_year": "10",
        # Only what is about to be published goes in.
        "data_classification": "public",
        "personal_data": False,
        "residency_requirement": "none",
        "tags": ["communications", "api"],
    },
    {
        "external_id": "NL-UPS-12",
        "name": "Video upscaling for 4K remasters",
        "owner_team": "Post-production",
        "kind": "other_gpu",
        # ~12 hours of HD archive footage a month to 4K: ~1.04M frames at 24 fps; a temporal
        # super-resolution model at ~2 frames/s per L40S needs ~145 GPU-hours, plus ~10% of
        # re-renders: ~160 GPU-hours a month.
        "gpu_hours_per_month": "160",
        # Remaster deliveries come with deadlines.
        "peak_gpus": 8,
        "gpu_class": "L40S",
        "growth_pct_per_year": "0",
        "data_classification": "confidential",
        "personal_data": False,
        "residency_requirement": "none",
        "tags": ["archive", "remaster"],
    },
]


def _user_ensure(*, username: str, password: str, first_name: str, last_name: str):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
            "first_name": first_name,
            "last_name": last_name,
        },
    )
    # Re-hashing on every run would change the row; only repair a login that no longer works.
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _model_specs_ensure() -> None:
    needed = {row["model"] for row in DEMO_WORKLOADS if row.get("model")}
    present = set(ModelSpec.objects.public().filter(name__in=needed).values_list("name", flat=True))
    if needed - present:
        model_specs_seed_public()


def demo_organization_load(*, username: str, password: str) -> Organization:
    """Create the demo organization, its owner and analyst, and its workloads; idempotent.

    A second run changes nothing: existing users, memberships and workloads are kept as they
    are (edits made while exploring the demo survive), and only what is missing is added.
    """
    with transaction.atomic():
        owner = _user_ensure(
            username=username, password=password, first_name="Claire", last_name="Moreau"
        )
        analyst = _user_ensure(
            username=ANALYST_USERNAME, password=password, first_name="Julien", last_name="Bernard"
        )
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            organization = organization_create(owner=owner, **DEMO_ORGANIZATION)
            organization_update(organization=organization, **DEMO_ASSUMPTIONS)
        for user, role in ((owner, Role.OWNER), (analyst, Role.ANALYST)):
            Membership.objects.get_or_create(
                organization=organization, user=user, defaults={"role": role}
            )

        _model_specs_ensure()
        existing = set(
            Workload.objects.for_organization(organization)
            .filter(external_id__in=[row["external_id"] for row in DEMO_WORKLOADS])
            .values_list("external_id", flat=True)
        )
        missing = [row for row in DEMO_WORKLOADS if row["external_id"] not in existing]
        if missing:
            workloads_upsert(
                organization=organization,
                rows=[(number, row) for number, row in enumerate(missing, start=1)],
            )
    return organization
