"""Citizen satisfaction (mức độ hài lòng): the three levels asked when the result is returned."""

from __future__ import annotations

from enum import StrEnum

from counter.domain.i18n import N_


class Level(StrEnum):
    """How satisfied the citizen was, as the public service portal asks it."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"

    @property
    def label(self) -> str:
        """The words on the tablet's buttons and in the reports."""
        return _LABELS[self]

    @property
    def portal_code(self) -> int:
        """1 rất hài lòng, 2 hài lòng, 3 không hài lòng (as sent to the portal)."""
        return list(Level).index(self) + 1


_LABELS = {
    Level.VERY_SATISFIED: N_("Rất hài lòng"),
    Level.SATISFIED: N_("Hài lòng"),
    Level.DISSATISFIED: N_("Không hài lòng"),
}

#: The longest reason kept.
REASON_MAX = 500
#: How long after the result is handed back the tablet beside the counter asks (minutes).
TABLET_MINUTES = 15
