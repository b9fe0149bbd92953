"""The engine's documented bounds: the largest replica it sizes, and so how far a search goes."""

from __future__ import annotations

# The largest replica sizing considers: 128 eight-GPU nodes. The largest published serving
# deployment, DeepSeek-V3's decode stage, spans 40 nodes of 320 GPUs (DeepSeek-V3 Technical
# Report, "Inference and Deployment"); a replica larger than this is not a serving shape but a
# sign that the input is wrong, and sizing says "does not fit" instead of searching further.
MAX_GPUS_PER_REPLICA = 1024
