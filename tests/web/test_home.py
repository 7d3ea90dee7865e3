"""The home page shows each role what it must do today; each number links to the worklist
page that lists exactly those dossiers (issue 8)."""

from __future__ import annotations

import re
from typing import Any

from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Office
from tests.services.test_lifecycle_service import make_dossier


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="card today today-(\w+)"', html)


def _boxes(html: str) -> dict[str, tuple[int, str]]:
    """box key → (number shown, link)."""
    found = re.findall(
        r'<a class="due-box [^"]*box-(\w+)" href="([^"]+)">\s*<strong>(\d+)</strong>', html
    )
    return {key: (int(n), url.replace("&amp;", "&")) for key, url, n in found}


def _listed(b: Any, url: str) -> int:
    """How many dossiers the worklist page says its current tab holds."""
    html = b.get(url).get_data(as_text=True)
    current = re.search(r'aria-current="page">[^<]*<span class="count">(\d+)</span>', html)
    assert current, url
    return int(current.group(1))


def test_each_role_sees_its_own_sections(login_as: Any) -> None:
    expected = {
        "tiepnhan": ["reception"],
        "chuyenvien": ["specialist"],
        "lanhdao": ["leader"],
        "admin": ["admin"],
        "kiemnhiem": ["reception", "specialist"],  # two roles: the union
    }
    for username, sections in expected.items():
        html = login_as(username).get("/").get_data(as_text=True)
        assert _sections(html) == sections, username


def test_every_number_is_what_its_link_lists(login_as: Any) -> None:
    make_dossier(Status.IN_PROGRESS, assigned_to="specialist", name="Đỗ Văn Hải")
    for username in ("tiepnhan", "chuyenvien", "lanhdao", "kiemnhiem"):
        b = login_as(username)
        boxes = _boxes(b.get("/").get_data(as_text=True))
        assert boxes, username
        for key, (count, url) in boxes.items():
            assert url.startswith("/ho-so/?tab="), url
            assert _listed(b, url) == count, (username, key, url)


def test_the_specialists_today_leaves_out_what_is_still_at_the_counter(login_as: Any) -> None:
    b = login_as("chuyenvien")
    before = _boxes(b.get("/").get_data(as_text=True))
    # Three dossiers received just now and still at the counter, however soon they are due.
    for i in range(3):
        make_dossier(Status.RECEIVED, name=f"Ở quầy {i}", id_number=f"01109000770{i}")
    after = _boxes(b.get("/").get_data(as_text=True))
    assert after == before
    assert "mine=1" in after["my_today"][1] and "status=in_progress" in after["my_today"][1]


def test_the_leader_sees_delay_proposals_to_sign(login_as: Any) -> None:
    from counter.domain.clock import now as utcnow
    from counter.services import calendar as cal
    from counter.services import dossiers as svc
    from tests.services.test_lifecycle_service import actor_for

    leader = login_as("lanhdao")
    assert "Không có đề xuất nào chờ ký." in leader.get("/").get_data(as_text=True)
    now = utcnow()
    dossier = make_dossier(
        Status.IN_PROGRESS,
        assigned_to="specialist",
        name="Đỗ Văn Hải",
        received_at=now,
        due_at=cal.due_at(now, 5, "working_days"),
    )
    svc.propose_delay(
        actor_for("specialist"),
        dossier.id,
        version=dossier.version,
        new_due=cal.due_at(now, 10, "working_days"),
        reason="Cần xác minh nơi cư trú",
    )
    html = leader.get("/").get_data(as_text=True)
    proposals = re.search(r'<ul class="today-list proposals">(.*?)</ul>', html, re.S)
    assert proposals, html
    assert f"/ho-so/{dossier.id}" in proposals.group(1) and "Cần xác minh nơi cư trú" in html
    assert "Dừng xử lý trong 30 ngày qua" in html


def test_the_admin_sees_setup_warnings(login_as: Any) -> None:
    office = db.session.get(Office, 1)
    office.agency_id = "000.00.00.H00"
    db.session.commit()
    html = login_as("admin").get("/").get_data(as_text=True)
    assert "Thông tin đơn vị (tên, cơ quan chủ quản, mã định danh) vẫn là mặc định" in html
    assert 'href="/quan-tri/don-vi"' in html


def test_the_mine_tab_has_its_count_and_says_what_mine_means(login_as: Any) -> None:
    make_dossier(Status.IN_PROGRESS, assigned_to="specialist", name="Đỗ Văn Hải")
    b = login_as("chuyenvien")
    html = b.get("/ho-so/?tab=mine").get_data(as_text=True)
    assert re.search(
        r'class="tab tab-mine" aria-current="page">Của tôi <span class="count">\d+', html
    )
    assert "Đỗ Văn Hải" in html
    assert "hồ sơ đang xử lý được giao cho bạn" in html
    home = b.get("/").get_data(as_text=True)
    assert re.search(r'href="/ho-so/\?tab=mine">Hồ sơ của tôi <span class="count">\d+', home)
