"""One officer, several roles: the account form, the users list, the header, the menu and
the actions on a dossier follow the union of the roles (issue 8)."""

from __future__ import annotations

import re
from typing import Any

from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import AuditEntry, User
from counter.services import dossiers as svc
from tests.conftest import Browser
from tests.services.test_lifecycle_service import make_dossier

NEW_USER = "/quan-tri/tai-khoan/moi"


def _text(resp: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def _create(admin: Browser, username: str, *roles: str) -> Any:
    return admin.submit(
        NEW_USER,
        {
            "username": username,
            "full_name": "Lường Thị Mai",
            "title": "Công chức Tư pháp - Hộ tịch",
            "roles": list(roles),
            "password": "tam-thoi-123",
        },
    )


def _sign_in_first_time(app: Any, username: str) -> Browser:
    b = Browser(app.test_client())
    assert b.login(username, "tam-thoi-123").location.endswith("/doi-mat-khau")
    resp = b.submit(
        "/doi-mat-khau",
        {
            "current_password": "tam-thoi-123",
            "new_password": "Muong-Phang-2026",
            "confirm": "Muong-Phang-2026",
        },
    )
    assert resp.status_code == 302
    return b


def test_a_new_account_has_no_role_until_the_admin_ticks_one(login_as: Any) -> None:
    admin = login_as("admin")
    html = admin.get(NEW_USER).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="roles"[^>]*>', html)
    assert len(boxes) == 4 and all('type="checkbox"' in box for box in boxes)
    assert not [box for box in boxes if "checked" in box], "no role is ticked by default"
    before = db.session.scalar(db.select(db.func.count(User.id)))

    resp = _create(admin, "mai.lt")
    assert resp.status_code == 422
    page = _text(resp)
    assert "Vui lòng chọn ít nhất một vai trò cho tài khoản." in page
    assert "This field is required" not in page and "Not a valid choice" not in page
    assert 'value="Lường Thị Mai"' in resp.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(User.id))) == before


def test_an_account_may_hold_two_roles_shown_in_the_list_and_the_header(
    app: Any, login_as: Any
) -> None:
    admin = login_as("admin")
    assert _create(admin, "mai.lt", "reception", "specialist").status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "mai.lt"))
    assert user.roles == {"reception", "specialist"}
    row = re.search(
        r"<tr>\s*<td>mai\.lt</td>.*?</tr>",
        admin.get("/quan-tri/tai-khoan").get_data(as_text=True),
        re.S,
    )
    assert row and "Cán bộ một cửa, Chuyên viên xử lý" in row.group(0)
    created = db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.action == "user_created", AuditEntry.target == "mai.lt"
        )
    )
    assert created.detail == "roles=reception, specialist"

    officer = _sign_in_first_time(app, "mai.lt")
    home = officer.get("/").get_data(as_text=True)
    assert re.search(r'class="userroles"[^>]*>\s*Cán bộ một cửa, Chuyên viên xử lý\s*<', home)
    menu = re.search(r'<nav class="mainnav".*?</nav>', home, re.S).group(0)
    assert "Tiếp nhận" in menu and "Quản trị" not in menu  # the counter's menu, not the admin's
    assert officer.get("/tiep-nhan/").status_code == 200

    # The edit form ticks exactly the roles held; the admin changes them, the log says how.
    edit = f"/quan-tri/tai-khoan/{user.id}"
    ticked = re.findall(
        r'<input[^>]*checked[^>]*name="roles"[^>]*value="(\w+)"|<input[^>]*name="roles"[^>]*value="(\w+)"[^>]*checked',
        admin.get(edit).get_data(as_text=True),
    )
    assert {a or b for a, b in ticked} == {"reception", "specialist"}
    resp = admin.submit(
        edit,
        {
            "full_name": user.full_name,
            "title": "",
            "roles": ["specialist", "leader"],
            "active": "y",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {"specialist", "leader"}
    updated = db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.action == "user_updated", AuditEntry.target == "mai.lt"
        )
    )
    assert "roles: reception, specialist → specialist, leader" in updated.detail
    # Takes effect at once, without signing out: the counter's screen is no longer theirs.
    assert officer.get("/tiep-nhan/").status_code == 403
    resp = admin.submit(edit, {"full_name": user.full_name, "title": "", "active": "y"})
    assert resp.status_code == 422
    assert "Vui lòng chọn ít nhất một vai trò cho tài khoản." in _text(resp)
    assert db.session.get(User, user.id).roles == {"specialist", "leader"}


def test_the_dossier_page_offers_what_either_role_may_do(login_as: Any) -> None:
    both = login_as("kiemnhiem")
    dossier = make_dossier(Status.RECEIVED)
    page = _text(both.get(f"/ho-so/{dossier.id}"))
    assert "Chuyển xử lý" in page  # the counter's step

    me = db.session.scalar(db.select(User).where(User.username == "kiemnhiem"))
    assert me in svc.assignable_users()  # holds the specialist role: may be assigned
    dossier = make_dossier(Status.IN_PROGRESS, name="Trần Văn Bình", id_number="011090009999")
    page = _text(both.get(f"/ho-so/{dossier.id}"))
    assert "Hoàn thành xử lý" in page and "Đề xuất gia hạn" in page  # the specialist's
    assert "Gia hạn " not in page.replace("Đề xuất gia hạn", "")  # the leader's is not theirs
    resolved = make_dossier(Status.RESOLVED, name="Lê Thị Cúc", id_number="011090008888")
    assert "Trả kết quả" in _text(both.get(f"/ho-so/{resolved.id}"))  # the counter's again

    reception_only = login_as("tiepnhan")
    assert "Hoàn thành xử lý" not in _text(reception_only.get(f"/ho-so/{dossier.id}"))


def test_admin_only_buttons_follow_the_admin_role(login_as: Any) -> None:
    from counter.models import Procedure

    proc = db.session.scalar(db.select(Procedure).order_by(Procedure.id))
    for username, shown in (("admin", True), ("tiepnhan", False), ("kiemnhiem", False)):
        b = login_as(username)
        assert ("Nhập danh mục từ tệp" in _text(b.get("/thu-tuc"))) is shown, username
        edit = f"/thu-tuc/{proc.id}/sua"
        assert (edit in b.get(f"/thu-tuc/{proc.id}").get_data(as_text=True)) is shown, username
