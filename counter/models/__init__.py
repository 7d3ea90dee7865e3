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
    DossierStatusCount,
    SatisfactionRating,
)
from counter.models.office import Office, SetupVersion
from counter.models.portal import (
    OutboxItem,
    PortalDossier,
    PortalInbox,
    PortalPull,
    SyncBundle,
    SyncLease,
    SyncRun,
)
from counter.models.printing import Printer, PrintLog
from counter.models.queue import (
    CounterSession,
    QueueCounter,
    QueueEvent,
    QueueService,
    QueueTicket,
    counter_service,
)
from counter.models.types import UTCDateTime

__all__ = [
    "ROLES",
    "Attachment",
    "AuditEntry",
    "CalendarEntry",
    "CatalogImport",
    "CounterNotice",
    "CounterSession",
    "DailySequence",
    "Dossier",
    "DossierDocument",
    "DossierEvent",
    "DossierStatusCount",
    "LoginFailure",
    "Office",
    "OutboxItem",
    "PortalDossier",
    "PortalInbox",
    "PortalPull",
    "PrintLog",
    "Printer",
    "Procedure",
    "ProcedureDocument",
    "ProcedureFee",
    "QueueCounter",
    "QueueEvent",
    "QueueService",
    "QueueTicket",
    "SatisfactionRating",
    "SetupVersion",
    "SyncBundle",
    "SyncLease",
    "SyncRun",
    "UTCDateTime",
    "User",
    "UserRole",
    "UserSession",
    "counter_service",
]
