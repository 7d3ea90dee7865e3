"""The catalog of administrative procedures (danh mục TTHC) and its imports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.domain import clock
from counter.extensions import db
from counter.models.types import UTCDateTime


class CatalogImport(db.Model):  # type: ignore[name-defined,misc]
    """One import of the province's published catalog, under its decision (quyết định)."""

    __tablename__ = "catalog_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_number: Mapped[str] = mapped_column(String(100))  # e.g. QĐ 1234/QĐ-UBND
    decision_date: Mapped[date | None] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(255), default="")
    new_count: Mapped[int] = mapped_column(default=0)
    changed_count: Mapped[int] = mapped_column(default=0)
    abolished_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class Procedure(db.Model):  # type: ignore[name-defined,misc]
    """An administrative procedure (thủ tục hành chính) the centre receives."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    national_code: Mapped[str] = mapped_column(String(32), unique=True)  # 1.001193
    local_code: Mapped[str | None] = mapped_column(String(64))  # 1.001193.000.00.00.H18
    name: Mapped[str] = mapped_column(String(500))
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded code + name
    field_code: Mapped[str] = mapped_column(String(32), default="")
    field_name: Mapped[str] = mapped_column(String(200), default="")
    limit_amount: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))
    limit_unit: Mapped[str] = mapped_column(String(16), default="working_days")
    limit_note: Mapped[str] = mapped_column(Text, default="", info={"max_length": 2000})
    result_name: Mapped[str] = mapped_column(String(500), default="")
    service_level: Mapped[str | None] = mapped_column(String(20))
    implementing_body: Mapped[str] = mapped_column(String(300), default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="", info={"max_length": 4000})
    active: Mapped[bool] = mapped_column(default=True)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    abolished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    last_import_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_import.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    documents: Mapped[list[ProcedureDocument]] = relationship(
        back_populates="procedure",
        order_by="ProcedureDocument.position",
        cascade="all, delete-orphan",
    )
    fees: Mapped[list[ProcedureFee]] = relationship(
        back_populates="procedure", order_by="ProcedureFee.position", cascade="all, delete-orphan"
    )
    replaced_by: Mapped[Procedure | None] = relationship(remote_side=[id])


class ProcedureDocument(db.Model):  # type: ignore[name-defined,misc]
    """A required document (thành phần hồ sơ) of a procedure."""

    __tablename__ = "procedure_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="original")  # original/copy/...
    count: Mapped[int] = mapped_column(default=1)

    procedure: Mapped[Procedure] = relationship(back_populates="documents")


class ProcedureFee(db.Model):  # type: ignore[name-defined,misc]
    """A fee or charge (phí, lệ phí) of a procedure; amount None = set elsewhere."""

    __tablename__ = "procedure_fee"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    amount: Mapped[int | None] = mapped_column()  # VND
    description: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="fees")
