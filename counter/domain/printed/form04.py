"""Form 04, the apology and request for more time (sent before the due date): its model."""

from __future__ import annotations

from dataclasses import dataclass

from counter.domain.printed.parts import DossierSheet


@dataclass(frozen=True, slots=True)
class ApologyData(DossierSheet):
    """Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ."""

    agency: str
    received: str
    original_due: str
    new_due: str
    reason: str
    signer_name: str
