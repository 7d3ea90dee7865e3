"""Shared form helpers: service errors put back onto form fields."""

from __future__ import annotations

from flask_wtf import FlaskForm

from counter.domain.errors import CounterError


def attach_error(form: FlaskForm, err: CounterError) -> None:
    """Show a service error on its field, or at the top of the form."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, err.message]
    else:
        form.form_errors.append(err.message)
