"""Figures written as JSON for one result, each source and each figure once.

A portfolio's figures repeat what they are made of: every workload's sizing cites the same GPU
datasheet, every cost cites the same price row, and one sizing figure (weights memory, effective
GPUs) enters several others. Written out in full, a 1,000-workload result is about 90 MB, most
of it these repeats. So a result lists each source once (``sources``) and a quantity names its
source by index; within one scope (a workload, or one portfolio option) a figure met a second
time is written as a stub with its name, value and unit and ``"see"``: the ``id`` of the entry
written in full. The figures of a list are always written in full where they are listed (so
each list still holds every figure it names), and an input that is one of them is a stub.
Values are untouched: only repetition is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from costing.engine.figures import Figure, Quantity, Source


class FigureWriter:
    """Writes the figures of one result; ``sources()`` is the list their indexes point into."""

    def __init__(self) -> None:
        self._sources: dict[Source, int] = {}
        # A quantity is written once and the same dict shared wherever it is an input (the
        # Quantity kept beside it, so that its id is not reused while the writer lives).
        self._quantities: dict[int, tuple[Quantity, dict]] = {}

    def sources(self) -> list[dict]:
        return [source.as_dict() for source in self._sources]

    def quantity(self, quantity: Quantity) -> dict:
        found = self._quantities.get(id(quantity))
        if found is not None:
            return found[1]
        index = self._sources.setdefault(quantity.source, len(self._sources))
        written = {"name": quantity.name, "value": quantity.value, "unit": quantity.unit,
                   "source": index}  # fmt: skip
        self._quantities[id(quantity)] = (quantity, written)
        return written

    def scope(self, lists: Sequence[Sequence[Figure | Quantity]]) -> list[list[dict]]:
        """``lists`` written as one scope: ids are unique within it, and each figure in it is
        written in full once."""
        return _Scope(self, lists).write()


class _Scope:
    def __init__(self, writer: FigureWriter, lists: Sequence[Sequence[Figure | Quantity]]):
        self.writer, self.lists = writer, lists
        self.listed = {id(item) for items in lists for item in items if isinstance(item, Figure)}
        self.repeated = self._repeated()
        self.ids: dict[int, int] = {}  # id(figure) -> its "id", once it has one
        self.written: set[int] = set()

    def _repeated(self) -> set[int]:
        """Figures that occur more than once in the scope (listed ones count as occurring)."""
        seen: set[int] = set()
        repeated: set[int] = set()
        stack: list = [item for items in self.lists for item in items]
        while stack:
            item = stack.pop()
            if not isinstance(item, Figure):
                continue
            key = id(item)
            if key in seen:
                repeated.add(key)
                continue
            seen.add(key)
            stack.extend(item.inputs)
        return repeated

    def _id(self, figure: Figure) -> int:
        return self.ids.setdefault(id(figure), len(self.ids) + 1)

    def write(self) -> list[list[dict]]:
        return [[self._item(item, listed=True) for item in items] for items in self.lists]

    def _item(self, item: Figure | Quantity, *, listed: bool = False) -> dict:
        if not isinstance(item, Figure):
            return self.writer.quantity(item)
        key = id(item)
        full = listed or (key not in self.written and key not in self.listed)
        if not full:
            return {"name": item.name, "value": item.value, "unit": item.unit,
                    "see": self._id(item)}  # fmt: skip
        self.written.add(key)
        written = {"name": item.name, "value": item.value, "unit": item.unit}
        if key in self.repeated:
            written["id"] = self._id(item)
        written["formula"] = item.formula
        written["inputs"] = [self._item(i) for i in item.inputs]
        return written


def resolve(figures: Iterable[dict], sources: Sequence[dict]) -> list[dict]:
    """Figures of one scope as if written in full: stubs replaced by their entry and source
    indexes by the source (for readers that walk a figure's working, and for tests)."""
    figures = list(figures)
    entries: dict[int, dict] = {}
    stack = list(figures)
    while stack:
        item = stack.pop()
        if "id" in item:
            entries[item["id"]] = item
        stack.extend(item.get("inputs") or ())

    def full(item: dict) -> dict:
        if "see" in item:
            item = entries[item["see"]]
        if "source" in item:
            return {**item, "source": dict(sources[item["source"]])}
        out = {k: v for k, v in item.items() if k != "id"}
        out["inputs"] = [full(i) for i in item["inputs"]]
        return out

    return [full(item) for item in figures]
