"""The dossier page's timeline reads each event's typed payload, old rows included."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from counter.extensions import db
from counter.models import Dossier, DossierEvent
from tests.services.test_lifecycle_service import actor_for, make_dossier, vn
from tests.web.test_printforms import text_of


def _timeline(page: Any) -> str:
    text = text_of(page)
    return text[text.index("Quá trình xử lý") :]


def test_an_online_submission_is_named_in_vietnamese_on_the_timeline(
    app: Flask, login_as: Any
) -> None:
    online = db.session.scalar(
        db.select(Dossier).where(Dossier.channel == "online", Dossier.status == "submitted")
    )
    assert online is not None  # the demo data has dossiers submitted online
    timeline = _timeline(login_as("tiepnhan").get(f"/ho-so/{online.id}"))
    assert "Nộp trực tuyến" in timeline
    assert not re.search(r"\bsubmit\b", timeline)


def test_rows_stored_by_older_code_show_on_the_timeline(app: Flask, login_as: Any) -> None:
    dossier = make_dossier("in_progress")
    who = actor_for("specialist")
    for action, detail in (
        # No recorded result, and a key no reader knows.
        ("hand_over", {"from_unit": "Bộ phận Một cửa", "to_unit": "Tư pháp", "x": 1}),
        ("request_supplement", {"items": ["Bản sao CCCD"], "paused_from": "2026-11-16T03:00:00"}),
        (
            "supplement_received",
            {
                "paused_from": "2026-11-16T03:00:00+00:00",
                "paused_until": "2026-11-17T03:00:00+00:00",
                "paused_working_minutes": 480,
            },
        ),
        ("propose_delay", {"reason": "Chờ xác minh", "proposed_due": "2026-11-25T10:00:00+00:00"}),
    ):
        db.session.add(
            DossierEvent(
                dossier=dossier,
                at=vn(2026, 11, 16, 11, 0),
                user_id=who.user_id,
                username=who.username,
                action=action,
                from_status="in_progress",
                to_status="in_progress",
                detail=detail,
            )
        )
    db.session.commit()
    timeline = _timeline(login_as("chuyenvien").get(f"/ho-so/{dossier.id}"))
    assert "Bộ phận Một cửa → Tư pháp" in timeline
    assert "Bản sao CCCD" in timeline
    assert "Thời gian tạm dừng: 8 giờ 0 phút làm việc" in timeline
    assert "Đề xuất hẹn trả mới: 25/11/2026 17:00" in timeline
