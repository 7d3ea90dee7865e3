"""SQLAlchemy models, one module per area; import them all here for Alembic."""

from counter.models.accounts import ROLES, AuditEntry, LoginFailure, User
from counter.models.office import Office
from counter.models.types import UTCDateTime, utcnow

__all__ = ["ROLES", "AuditEntry", "LoginFailure", "Office", "UTCDateTime", "User", "utcnow"]
