"""SQLAlchemy models, one module per area; import them all here for Alembic."""

from counter.models.accounts import (
    ROLES,
    AuditEntry,
    LoginFailure,
    User,
    UserRole,
    UserSession,
)
from counter.models.calendar import CalendarEntry
from counter.models.catalog import CatalogImport, Procedure, ProcedureDocument, ProcedureFee
from counter.models.dossiers import (
    Attachment,
    CounterNotice,
    DailySequence,
    Dossier,
    DossierDocument,
    DossierEvent,
)
from counter.models.office import Office
from counter.models.portal import OutboxItem, PortalDossier, SyncLease, SyncRun
from counter.models.printing import Printer, PrintLog
from counter.models.types import UTCDateTime, utcnow

__all__ = [
    "ROLES",
    "Attachment",
    "AuditEntry",
    "CalendarEntry",
    "CatalogImport",
    "CounterNotice",
    "DailySequence",
    "Dossier",
    "DossierDocument",
    "DossierEvent",
    "LoginFailure",
    "Office",
    "OutboxItem",
    "PortalDossier",
    "PrintLog",
    "Printer",
    "Procedure",
    "ProcedureDocument",
    "ProcedureFee",
    "SyncLease",
    "SyncRun",
    "UTCDateTime",
    "User",
    "UserRole",
    "UserSession",
    "utcnow",
]
