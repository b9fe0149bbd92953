"""Words the answer's sentences are made of: where an option puts a workload, counts, lists
and workloads named (at most ten of them), labels lowered inside a sentence."""

from __future__ import annotations

from assessments.reports.formatting import option_label, uncertain_input
from costing.engine.deployment_options import option_field

# Where each option puts a workload, as the end of "run 9 workloads ...".
PLACES = option_field("place")
NAMED_IN_SENTENCE = 3  # a group this small names its workloads in the sentence itself
# A sentence names at most this many workloads and counts the rest: a reader takes in ten
# names, and a portfolio of a thousand would otherwise print them all in one sentence.
NAMED_AT_MOST = 10


def place(option: str) -> str:
    return PLACES.get(option, lowered(option_label(option)))


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 workload``, ``3 workloads``."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b, and c``: the serial comma, because names hold "and" too."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def names(workload_ids, named: dict[str, str]) -> str:
    """``Archive embeddings, Metadata tagging, and Video upscaling``; past ``NAMED_AT_MOST``,
    ``A, B, ..., J, and 15 other workloads``."""
    found = [named.get(w, w) for w in workload_ids]
    if len(found) > NAMED_AT_MOST:
        rest = len(found) - NAMED_AT_MOST
        found = [*found[:NAMED_AT_MOST], f"{rest:,} other workload{'s' if rest != 1 else ''}"]
    return listed(found)


def lowered(label: str) -> str:
    """A label inside a sentence: ``Managed API`` -> ``managed API``."""
    return label[:1].lower() + label[1:]


def input_named(name: str) -> str:
    """An uncertain input inside a sentence: ``the electricity tariff``, ``demand``."""
    label = lowered(uncertain_input(name))
    return label if label.startswith(("demand", "throughput")) else f"the {label}"
