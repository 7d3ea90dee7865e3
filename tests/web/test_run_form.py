"""run_form: the one place a service's refusal goes back onto the form the officer typed.

Every refusal has one shape (``field_errors``: field → message); run_form puts each
message on its field, a line of a field list included (``documents-1-count``), and the
rest in the form's own error slot; a conflict answers 409; a refusal no typing can fix
(not allowed, not found) goes on to the error pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from wtforms import FieldList, FormField, HiddenField, StringField

from counter.domain.errors import Conflict, InvalidInput, NotAllowed, ValidationError
from counter.domain.i18n import N_, Message
from counter.models import Procedure
from counter.web.forms import CounterForm, CounterSubForm, form_messages, run_form
from tests.web.test_reception_pages import certify, form_data  # noqa: F401 (fixture)


class LineForm(CounterSubForm):
    count = StringField()


class SampleForm(CounterForm):
    note = StringField()
    version = HiddenField()
    lines = FieldList(FormField(LineForm), min_entries=2)


@pytest.fixture
def posted(app: Flask) -> Iterator[Callable[[], SampleForm]]:
    """A SampleForm bound to a POST of two lines, inside that request."""
    data = {"note": "ghi chú", "lines-0-count": "1", "lines-1-count": "0"}
    with app.test_request_context("/", method="POST", data=data):
        yield lambda: SampleForm(meta={"csrf": False})


def refuse(err: Exception) -> Callable[[], Any]:
    def action() -> Any:
        raise err

    return action


def test_each_message_goes_on_its_field_a_checklist_line_included(
    posted: Callable[[], SampleForm],
) -> None:
    form = posted()
    err = InvalidInput(
        {
            "note": N_("Ghi chú sai."),
            "lines-1-count": Message(N_("Số lượng phải từ %(min)s."), min=1),
            "lines": N_("Đánh dấu ít nhất một dòng."),
            "": N_("Biểu mẫu sai."),
            "nowhere": N_("Một mục không có trên trang."),
        }
    )
    value, status = run_form(form, refuse(err))
    assert (value, status) == (None, 422)
    assert form.note.errors == ["Ghi chú sai."]
    assert form.lines[1].count.errors == ["Số lượng phải từ 1."]
    assert form.lines[0].count.errors == []
    assert [e for e in form.lines.errors if isinstance(e, str)] == ["Đánh dấu ít nhất một dòng."]
    assert form.form_errors == ["Biểu mẫu sai.", "Một mục không có trên trang."]
    assert form.refusal is err
    # A page that does not show the form (the dossier page after a stale form) still can.
    assert set(form_messages(form)) >= {"Ghi chú sai.", "Số lượng phải từ 1.", "Biểu mẫu sai."}


def test_one_field_error_and_a_form_error(posted: Callable[[], SampleForm]) -> None:
    form = posted()
    run_form(form, refuse(ValidationError(N_("Ghi chú quá dài."), field="note")))
    assert form.note.errors == ["Ghi chú quá dài."]
    form = posted()
    run_form(form, refuse(ValidationError(N_("Không đọc được."))))
    assert form.form_errors == ["Không đọc được."]


def test_a_step_that_reads_one_box_puts_every_message_on_it(
    posted: Callable[[], SampleForm],
) -> None:
    form = posted()
    err = ValidationError(N_("Số định danh phải gồm đúng 12 chữ số."), field="cccd")
    assert run_form(form, refuse(err), field="note") == (None, 422)
    assert form.note.errors == ["Số định danh phải gồm đúng 12 chữ số."]
    assert form.form_errors == []


def test_someone_else_changed_it_first_is_409_with_the_message(
    posted: Callable[[], SampleForm],
) -> None:
    form = posted()
    assert run_form(form, refuse(Conflict(N_("Người khác đã cập nhật.")))) == (None, 409)
    assert form.form_errors == ["Người khác đã cập nhật."]
    assert form.note.data == "ghi chú"  # what was typed stays


def test_not_allowed_goes_on_to_the_error_page(posted: Callable[[], SampleForm]) -> None:
    with pytest.raises(NotAllowed):
        run_form(posted(), refuse(NotAllowed(N_("Không được phép."))))


def test_a_form_not_sent_runs_nothing(app: Flask) -> None:
    with app.test_request_context("/"):
        form = SampleForm(meta={"csrf": False})
        assert run_form(form, refuse(AssertionError("ran"))) == (None, 200)
        assert form.refusal is None


def test_the_reception_checklist_as_a_whole_and_its_lines_show_their_messages(
    login_as: Any,
    certify: Procedure,  # noqa: F811
) -> None:
    officer = login_as("tiepnhan")
    data = form_data(certify, **{"documents-1-count": "0"})
    for key in [k for k in data if k.endswith("-received")]:
        data.pop(key)
    response = officer.submit("/tiep-nhan/", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    checklist = html[html.index('id="rx-doc-h"') : html.index('id="rx-checklist"')]
    assert "Đánh dấu ít nhất một giấy tờ đã nhận" in checklist  # above the table
    line = html[html.index('id="documents-1-count"') :]
    assert "Số lượng phải là số nguyên" in line[: line.index("</td>")]  # on its own line
