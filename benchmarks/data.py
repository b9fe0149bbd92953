"""Realistic synthetic workload rows for the benchmarks."""

from __future__ import annotations

import csv
import io
import random

KINDS = ["chat", "batch", "embeddings", "speech", "image_video", "fine_tuning"]
MODELS = ["Llama 3.1 8B", "Llama 3.3 70B", "Qwen2.5 7B", "", "gpt-4.1", "Mistral 7B (v0.1)"]
CLASSES = ["public", "internal", "confidential", "restricted"]


def workload_rows(count: int, prefix: str, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        rows.append(
            {
                "external_id": f"{prefix}-{index:07d}",
                "name": f"Workload {index} of team {index % 97}",
                "owner_team": f"Team {index % 97}",
                "kind": kind,
                "model": MODELS[index % len(MODELS)],
                "precision": "bf16",
                "avg_input_tokens": rng.randint(100, 8000),
                "avg_output_tokens": rng.randint(10, 1000),
                "requests_per_day": rng.randint(0, 200_000),
                "peak_factor": f"{rng.uniform(1, 6):.2f}",
                "growth_pct_per_year": f"{rng.uniform(-10, 80):.1f}",
                "data_classification": CLASSES[index % 4],
                "personal_data": index % 3 == 0,
                "residency_requirement": "eu_eea" if index % 5 == 0 else "none",
                "tags": ["bench", f"t{index % 11}"],
            }
        )
    return rows


def workload_csv(count: int, prefix: str) -> bytes:
    rows = workload_rows(count, prefix)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "tags": "; ".join(row["tags"])})
    return out.getvalue().encode()
