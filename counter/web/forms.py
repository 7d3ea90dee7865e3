"""Shared form helpers: run a service on a valid form, put its errors back on the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm

from counter.domain.errors import CounterError

T = TypeVar("T")


def attach_error(form: FlaskForm, err: CounterError) -> None:
    """Show a service error on its field(s), or at the top of the form.

    An error may carry ``errors`` — a mapping or list of (field, message) — when a
    service checked several fields at once.
    """
    many = getattr(err, "errors", None)
    pairs = list(many.items() if isinstance(many, dict) else many or [(err.field, err.message)])
    for name, message in pairs:
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def run_form(form: FlaskForm, action: Callable[[], T]) -> tuple[T | None, int]:
    """Validate ``form``; if valid, run the service call and return (result, 200).

    Returns (None, 422) when the form or the service refused the input (errors are
    on the form), and (None, 200) when the form was not submitted.
    """
    if form.validate_on_submit():
        try:
            return action(), 200
        except CounterError as err:
            attach_error(form, err)
            return None, 422
    return None, 422 if form.is_submitted() else 200
