"""Flask extensions, created unbound; ``create_app`` binds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

#: The Alembic scripts (migrations/ beside the package).
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def bind_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to ``app`` the first time migrations are needed.

    Importing it imports Alembic and Mako (a tenth of a start): a start that only
    serves pages, or ``flask --help``, never pays for it. Idempotent.
    """
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)


def upgrade() -> None:
    """Bring the running app's database to the newest migration (Alembic)."""
    bind_migrations(current_app)
    from flask_migrate import upgrade as alembic_upgrade

    alembic_upgrade()


class MigrationsGroup(click.Group):
    """``flask db …``: Flask-Migrate's commands, imported when one is asked for."""

    def _commands(self, ctx: click.Context) -> click.Group:
        bind_migrations(ctx.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as commands

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> Any:
        return self._commands(ctx).get_command(ctx, cmd_name)


migrations_group = MigrationsGroup("db", help="Perform database migrations.")
