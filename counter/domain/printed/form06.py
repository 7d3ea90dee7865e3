"""Form 06, the processing control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ): model."""

from __future__ import annotations

from dataclasses import dataclass, field

from counter.domain.printed.parts import DossierSheet


@dataclass(frozen=True, slots=True)
class HandoverRow:
    """One handover on the control slip."""

    from_unit: str
    to_unit: str
    at: str
    result: str
    note: str
    by: str


@dataclass(frozen=True, slots=True)
class ControlSlipData(DossierSheet):
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: a row per handover."""

    agency: str
    coordinating: str
    received: str
    due: str
    rows: list[HandoverRow] = field(default_factory=list)
