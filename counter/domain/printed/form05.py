"""Form 05 (the citizen's request to stop) and the authority's notice of stopping: models."""

from __future__ import annotations

from dataclasses import dataclass

from counter.domain.printed.parts import DossierSheet, Party


@dataclass(frozen=True, slots=True)
class WithdrawalData(DossierSheet):
    """Form 05: the citizen's own request to stop and withdraw (Decree 118/2025 art. 21(1)).

    Addressed to the centre and signed by the person who asks; the counter officer
    who takes the request signs its receipt.
    """

    filer: Party | None
    received: str
    requested: str
    reason: str
    officer_name: str


@dataclass(frozen=True, slots=True)
class StopNoticeData(DossierSheet):
    """Thông báo dừng giải quyết hồ sơ: a stop the authority decides, signed by its head."""

    issuer: str
    received: str
    stopped: str
    reason: str
    signer_name: str
