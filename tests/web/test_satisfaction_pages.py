"""The tablet beside the counter (public, names nobody, one tap) and the officer's entry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask

from counter.domain import clock
from counter.models import QueueCounter
from counter.services import satisfaction
from tests.conftest import csrf_from
from tests.services.test_satisfaction import COUNTER, RETURNED, counter, returned  # noqa: F401


def test_the_tablet_asks_without_naming_and_one_tap_rates(
    app: Flask,
    counter: QueueCounter,  # noqa: F811
) -> None:
    tablet = app.test_client()
    url = f"/man-hinh/danh-gia/?quay={COUNTER}"
    with clock.frozen(RETURNED - timedelta(minutes=1)):
        idle = tablet.get(url).get_data(as_text=True)
    assert "Quầy số 7" in idle and "Hài lòng" not in idle
    story = returned("Quàng Văn Ơn")
    dossier = story.dossier
    with clock.frozen(RETURNED + timedelta(minutes=1)):
        page = tablet.get(url).get_data(as_text=True)
        for private in (dossier.applicant_name, dossier.code, dossier.id_number, dossier.phone):
            assert private not in page
        assert page.count('name="level"') == 3
        ref = re.search(r'name="ref" value="([0-9a-f]+)"', page).group(1)
        done = tablet.post(
            url, data={"csrf_token": csrf_from(page), "ref": ref, "level": "very_satisfied"}
        )
    assert done.status_code == 200 and "Cảm ơn ông/bà đã đánh giá!" in done.get_data(as_text=True)
    assert satisfaction.rating_of(story.id).level == "very_satisfied"
    # Without the form's token nothing is recorded.
    with clock.frozen(RETURNED + timedelta(minutes=2)):
        again = tablet.post(url, data={"ref": ref, "level": "dissatisfied"})
    assert again.status_code in (302, 400)
    assert satisfaction.rating_of(story.id).level == "very_satisfied"


def test_the_officer_records_it_on_the_dossier_page(login_as: Any) -> None:
    story = returned("Lò Thị Mai")
    with clock.frozen(RETURNED + timedelta(minutes=30)):
        officer = login_as("tiepnhan")
        page = officer.get(f"/ho-so/{story.id}").get_data(as_text=True)
        assert "Đánh giá mức độ hài lòng" in page
        resp = officer.submit(
            f"/ho-so/{story.id}/danh-gia",
            {"level": "satisfied", "reason": "Cán bộ hướng dẫn tận tình"},
            page=f"/ho-so/{story.id}",
            follow_redirects=True,
        )
    text = resp.get_data(as_text=True)
    assert "Đã ghi đánh giá của công dân." in text and "Cán bộ hướng dẫn tận tình" in text
    rating = satisfaction.rating_of(story.id)
    assert (rating.level, rating.source) == ("satisfied", "officer")
