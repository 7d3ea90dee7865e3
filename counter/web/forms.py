"""Shared form helpers: the app's base form, limits from the model, the form runner.

* :class:`CounterForm` is the base of every form: WTForms' and Flask-WTF's own
  messages ("This field is required.", "Not a valid choice." …) come out in the
  screen's language (WTForms ships no Vietnamese catalog).
* :func:`max_length` / :func:`maxlength` read a text limit from the model column,
  so the page's ``maxlength`` and the server's message use the same number.
* :func:`run_form` validates, runs the service, and puts its errors on the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from flask import abort, flash, g, has_request_context, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from wtforms import DateTimeField, FieldList, Form, FormField
from wtforms.validators import Length, StopValidation

from counter.domain.dates import YEAR_MAX, YEAR_MIN
from counter.domain.errors import Conflict, CounterError, ValidationError
from counter.models.types import column_length
from counter.web.i18n import gettext as _
from counter.web.i18n import translated

T = TypeVar("T")

#: WTForms' and Flask-WTF's built-in messages (their English msgids), in Vietnamese.
#: Placeholders stay as WTForms fills them (%(max)d, %(min)d, %(other_name)s …).
WTFORMS_VI: dict[str, str] = {
    "This field is required.": "Vui lòng điền mục này.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Phải trùng với mục %(other_name)s.",
    "Field must be at least %(min)d character long.": "Tối thiểu %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Tối thiểu %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Tối đa %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Tối đa %(max)d ký tự.",
    "Field must be exactly %(max)d character long.": "Phải có đúng %(max)d ký tự.",
    "Field must be exactly %(max)d characters long.": "Phải có đúng %(max)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": (
        "Phải có từ %(min)d đến %(max)d ký tự."
    ),
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Số phải không quá %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày phải không sau %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Ngày phải từ %(min)s đến %(max)s.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.com.",
    "Invalid IP address.": "Địa chỉ IP không hợp lệ.",
    "Invalid Mac address.": "Địa chỉ MAC không hợp lệ.",
    "Invalid URL.": "Địa chỉ web không hợp lệ.",
    "Invalid UUID.": "Mã UUID không hợp lệ.",
    "Invalid value, must be one of: %(values)s.": "Giá trị phải là một trong: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không được là: %(values)s.",
    "This field cannot be edited.": "Mục này không sửa được.",
    "This field is disabled and cannot have a value.": "Mục này đang khóa, không nhận giá trị.",
    "Invalid CSRF Token.": "Phiên làm việc không hợp lệ; hãy tải lại trang rồi thử lại.",
    "CSRF token missing.": "Phiên làm việc không hợp lệ; hãy tải lại trang rồi thử lại.",
    "CSRF failed.": "Phiên làm việc không hợp lệ; hãy tải lại trang rồi thử lại.",
    "CSRF token expired.": "Phiên làm việc đã hết hạn; hãy tải lại trang rồi thử lại.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Choices cannot be None.": "Chưa có lựa chọn nào.",
    "Not a valid choice.": "Lựa chọn không hợp lệ; hãy chọn trong danh sách.",
    "Invalid choice(s): one or more data inputs could not be coerced.": (
        "Có lựa chọn không hợp lệ."
    ),
    "'%(value)s' is not a valid choice for this field.": "“%(value)s” không có trong danh sách.",
    "'%(value)s' are not valid choices for this field.": "“%(value)s” không có trong danh sách.",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ (ngày/tháng/năm giờ:phút).",
    "Not a valid date value.": "Ngày không hợp lệ (ngày/tháng/năm).",
    "Not a valid time value.": "Giờ không hợp lệ (giờ:phút, ví dụ 07:30).",
    "Not a valid week value.": "Tuần không hợp lệ.",
    "Not a valid integer value.": "Phải là một số nguyên.",
    "Not a valid decimal value.": "Phải là một số.",
    "Not a valid float value.": "Phải là một số.",
    # Flask-WTF's file validators
    "File does not have an approved extension.": "Loại tệp không được chấp nhận.",
    "File does not have an approved extension: {extensions}": (
        "Loại tệp không được chấp nhận; chỉ nhận: {extensions}"
    ),
}


def _vietnamese() -> bool:
    if not has_request_context():
        return True
    locale = get_locale()
    return locale is None or locale.language == "vi"


class WTFormsTranslations:
    """gettext for WTForms: Vietnamese on Vietnamese screens, WTForms' own English otherwise."""

    def gettext(self, string: str) -> str:
        """One message."""
        return WTFORMS_VI.get(string, string) if _vietnamese() else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """One message with a count (Vietnamese has no plural forms)."""
        if _vietnamese():
            return WTFORMS_VI.get(singular, singular)
        return singular if n == 1 else plural


TRANSLATIONS = WTFormsTranslations()


class _TranslatedMeta:
    def get_translations(self, form: Any) -> WTFormsTranslations:
        return TRANSLATIONS


def day_in_range(form: Any, field: Any) -> None:
    """A date field's day falls in the years the app works with (1900–2100)."""
    day = field.data
    if isinstance(day, date) and not YEAR_MIN <= day.year <= YEAR_MAX:
        raise StopValidation(
            _(
                "Ngày nằm ngoài khoảng phần mềm dùng; "
                "chỉ nhận ngày từ năm %(first)s đến năm %(last)s.",
                first=YEAR_MIN,
                last=YEAR_MAX,
            )
        )


class CounterForm(FlaskForm):
    """The base of every form of the app (CSRF from Flask-WTF, messages in the screen's language).

    Text arrives already without control characters (counter.web.inputs); every
    date field also refuses a year outside 1900–2100.
    """

    #: The service's refusal of the last :func:`run_form` (its messages are on the fields).
    refusal: CounterError | None = None

    class Meta(_TranslatedMeta, FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """Fields come from a form body only: a JSON body is refused (400). Flask-WTF
            would read it as the form and fail (500) on one that is not an object."""
            if formdata is _Auto:
                _refuse_json()
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators: Any = None) -> bool:
        """WTForms' validation, plus the year range on every date field."""
        extra = {name: list(rules) for name, rules in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, DateTimeField):  # DateField too
                extra.setdefault(name, []).append(day_in_range)
        return bool(super().validate(extra_validators=extra))


def _refuse_json() -> None:
    if request.method in SUBMIT_METHODS and request.is_json:
        abort(400, description=_("Dữ liệu gửi lên không đúng dạng của biểu mẫu."))


F = TypeVar("F", bound=CounterForm)


def refused_post(form_class: type[F]) -> F | None:
    """For a POST of buttons (a form with no field to check but its CSRF token): None when
    it may go on, else the form, with the errors that refuse it.

    CSRFProtect has checked the token of every POST before the view; building the form
    only to check it again would sign a new token for nothing (a tenth of the CPU of the
    kiosk's and the counter's busiest buttons). Where that check is off, the form checks.
    A JSON body is refused (400), as :class:`CounterForm` refuses it.
    """
    _refuse_json()
    if g.get("csrf_valid"):
        return None
    form = form_class()
    return None if form.validate_on_submit() else form


class CounterSubForm(Form):
    """The base of a form nested in another (FormField, FieldList rows); no CSRF of its own."""

    class Meta(_TranslatedMeta, Form.Meta):  # type: ignore[name-defined,misc]
        pass


def max_length(attribute: Any) -> Length:
    """A Length validator from the model column (``max_length(Office.name)``).

    WTForms renders it as the input's ``maxlength``; its message is Vietnamese
    through :class:`CounterForm`.
    """
    return Length(max=column_length(attribute))


def maxlength(attribute: Any) -> dict[str, int]:
    """``render_kw`` for a field the service checks: ``maxlength`` from the model column."""
    return {"maxlength": column_length(attribute)}


def _field_named(form: CounterForm, name: str) -> Any:
    """The field a service names: ``note``, or a nested one such as ``documents-1-count``
    (a line of a field list); None when the form has no such field."""
    node: Any = form
    for part in name.split("-"):
        if isinstance(node, FieldList):
            index = int(part) if part.isdigit() else len(node.entries)
            node = node.entries[index] if index < len(node.entries) else None
        else:
            node = getattr(getattr(node, "form", node), "_fields", {}).get(part)
        if node is None:
            return None
    return node


def _put_errors(form: CounterForm, err: CounterError, field: str | None) -> None:
    """Each of a refusal's messages onto its field, else into the form's own error slot."""
    for name, message in err.field_errors.items():
        target = _field_named(form, field or name) if (field or name) else None
        if target is not None and isinstance(target.errors, list | tuple):  # not a FormField's
            target.errors = [*target.errors, translated(message)]
        else:
            form.form_errors.append(translated(message))


def run_form(
    form: CounterForm, action: Callable[[], T], *, field: str | None = None
) -> tuple[T | None, int]:
    """Validate ``form``; if valid, run the service call and return (result, 200).

    The one place a service's refusal goes back onto a form (in the reader's language):
    each of its ``field_errors`` on its field (``documents-1-count`` is a line of a field
    list), the rest in ``form.form_errors``; with ``field``, all of them on that field.
    Returns (None, 422) when the form or the service refused the input, (None, 409) when
    someone changed the record first (:class:`Conflict`), and (None, 200) when the form
    was not submitted. The refusal itself stays on ``form.refusal`` for the page. A
    refusal the input cannot fix (not allowed, not found) goes on to the error pages.
    """
    form.refusal = None
    if form.validate_on_submit():
        try:
            return action(), 200
        except (ValidationError, Conflict) as err:
            form.refusal = err
            _put_errors(form, err, field)
            return None, 409 if isinstance(err, Conflict) else 422
    return None, 422 if form.is_submitted() else 200


def form_messages(form: CounterForm) -> list[str]:
    """Every message on ``form``: its own, then its fields', for a page that does not show it."""
    messages = list(form.form_errors)

    def collect(fields: Iterable[Any]) -> None:
        for field in fields:
            if isinstance(field, FormField):
                collect(field.form)
                continue
            messages.extend(error for error in field.errors if isinstance(error, str))
            if isinstance(field, FieldList):
                collect(field.entries)

    collect(form)
    return messages


def flash_errors(form: CounterForm, category: str = "danger") -> None:
    """Every message on ``form`` as a flash, for a form that sends the user back elsewhere."""
    for message in form_messages(form):
        flash(message, category)
