"""A service's refusal reads in the screen's language: English when switched, Vietnamese as before.

Each case is a refusal an officer meets at work: an action their role may not
take (status machine), a new due date that is not later (due-date rules), a bad
line in an imported schedule (calendar import), a phone number the counter typed
wrong (reception). English mode must not show the Vietnamese sentence, nor the
Vietnamese names of the role, action and status inside it.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from flask import Flask

from counter.domain.clock import now as utcnow
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, Procedure
from counter.services import catalog as catalog_service
from tests.conftest import Browser
from tests.services.test_lifecycle_service import make_dossier
from tests.web.test_reception_pages import form_data

BAD_KIND = "first_date,last_date,kind,label,source\n2027-04-30,2027-05-01,holiday,Sai loại,x\n"

#: (case, the Vietnamese sentence as before, the same sentence in English)
CASES = {
    "role": (
        "Vai trò 'Cán bộ một cửa' không được 'Hoàn thành xử lý' "
        "khi hồ sơ đang ở trạng thái 'Đang xử lý'.",
        "The role 'Counter officer' may not 'Resolve' while the dossier is 'In progress'.",
    ),
    "due": (
        "Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại.",
        "The new due date must be after the current due date.",
    ),
    "calendar": (
        "Dòng 2: loại ngày không hợp lệ 'holiday' (chỉ nhận day_off hoặc working_day)",
        "Row 2: invalid day kind 'holiday' (only day_off or working_day)",
    ),
    "phone": (
        "Số điện thoại '0123' không hợp lệ: số di động gồm 10 chữ số (ví dụ 0912 345 678), "
        "số cố định gồm 11 chữ số bắt đầu bằng 02 (ví dụ 0215 3825 123).",
        "The phone number '0123' is not valid: a mobile number has 10 digits "
        "(e.g. 0912 345 678), a landline 11 digits starting with 02 (e.g. 0215 3825 123).",
    ),
}


def text_of(response: Any) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _in_progress() -> Dossier:
    dossier = make_dossier(Status.IN_PROGRESS, received_at=utcnow() - timedelta(hours=1))
    dossier.due_at = utcnow() + timedelta(days=10)
    db.session.commit()
    return dossier


def _refusal(case: str, login_as: Any, lang: str) -> Any:
    """Trigger the case's refusal with the screen in ``lang``; returns the response."""
    user = {"role": "tiepnhan", "due": "lanhdao", "calendar": "admin", "phone": "tiepnhan"}[case]
    browser: Browser = login_as(user)
    browser.submit(f"/ngon-ngu/{lang}", {"next": "/"}, page="/")
    if case in ("role", "due"):
        dossier = _in_progress()
        url = f"/ho-so/{dossier.id}"
        if case == "role":
            return browser.submit(
                f"{url}/resolve", {"resolve-version": str(dossier.version)}, page=url
            )
        earlier = (utcnow() + timedelta(days=1)).date().isoformat()
        return browser.submit(
            f"{url}/delay",
            {
                "delay-version": str(dossier.version),
                "delay-new_due": earlier,
                "delay-reason": "Chờ xác minh",
            },
            page=url,
        )
    if case == "calendar":
        return browser.submit(
            "/quan-tri/lich-nghi/nhap",
            {"file": (io.BytesIO(BAD_KIND.encode()), "lich.csv")},
            content_type="multipart/form-data",
        )
    procedure = catalog_service.get_by_code("2.000815")
    if procedure is None:
        catalog_service.load_demo_catalog()
        procedure = catalog_service.get_by_code("2.000815")
    assert isinstance(procedure, Procedure)
    return browser.submit("/tiep-nhan/", form_data(procedure, phone="0123"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_in_english_the_refusal_is_in_english(app: Flask, login_as: Any, case: str) -> None:
    vietnamese, english = CASES[case]
    response = _refusal(case, login_as, "en")
    assert response.status_code in (403, 422)
    text = text_of(response)
    assert english in text
    assert vietnamese not in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_in_vietnamese_the_refusal_reads_as_before(app: Flask, login_as: Any, case: str) -> None:
    vietnamese, english = CASES[case]
    response = _refusal(case, login_as, "vi")
    assert response.status_code in (403, 422)
    text = text_of(response)
    assert vietnamese in text
    assert english not in text
