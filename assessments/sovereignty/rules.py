"""Registries the library names: criterion scorers by ref_id, rule evaluators by ``evaluator``."""

from __future__ import annotations

from collections.abc import Callable

from . import blocking as gdpr
from . import blocking_sector as sector
from . import criteria_control as control
from . import criteria_where as where
from .blocking import Evaluator
from .criteria import Raw
from .geography import Geo
from .profiles import OptionProfile, WorkloadProfile

SCORERS: dict[str, Callable[[WorkloadProfile, OptionProfile, Geo], Raw]] = {
    "C1": where.c1_jurisdiction,
    "C2": where.c2_residency,
    "C3": control.c3_key_custody,
    "C4": control.c4_data_use,
    "C5": control.c5_contract,
    "C6": control.c6_certifications,
    "C7": control.c7_portability,
    "C8": where.c8_operations,
    "C9": control.c9_exit,
}

EVALUATORS: dict[str, Evaluator] = {
    "B01": gdpr.b01,
    "B02": gdpr.b02,
    "B03": gdpr.b03,
    "B04": gdpr.b04,
    "B05": gdpr.b05,
    "B06": gdpr.b06,
    "B07": sector.b07,
    "B08": sector.b08,
    "B09": sector.b09,
    "B10": sector.b10,
    "B11": sector.b11,
    "B12": sector.b12,
    "B13": gdpr.b13,
    "B14": gdpr.b14,
    "B15": gdpr.b15,
    "P1": sector.p1,
    "P2": sector.p2,
    "P3": sector.p3,
}
