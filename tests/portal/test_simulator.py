"""The portal simulator keeps the wire contract the sender relies on (over real HTTP)."""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tools.portal_sim import PortalState, SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(PortalState(hang_seconds=0.5)) as server:
        yield server


def post(sim: SimServer, path: str, body: Any, timeout: float = 5) -> Any:
    request = urllib.request.Request(
        sim.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def session(sim: SimServer) -> str:
    reply = post(sim, "/auth/token", {"username": "counter", "password": "counter"})
    assert reply["error_code"] == "0" and reply["expires_in"] > 0
    return reply["session"]


def dossier(code: str, status: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "MaHoSo": code,
        "MaTTHC": "2.000815",
        "TenTTHC": "Chứng thực bản sao từ bản chính",
        "KenhThucHien": 1,
        "ChuHoSo": "Lò Văn A",
        "NgayTiepNhan": "20261201080000",
        "NgayHenTra": "20261201170000",
        "TrangThaiHoSo": status,
        **extra,
    }


def send(sim: SimServer, token: str, service: str, items: list[Any]) -> Any:
    return post(
        sim,
        "/api",
        {
            "session": token,
            "madonvi": "000.20.18.H18",
            "service": service,
            "isUpdating": "False",
            "data": items,
        },
    )


def test_upsert_by_code_and_history(sim: SimServer) -> None:
    token = session(sim)
    reply = send(sim, token, "DongBoHoSoMC", [dossier("X-1"), dossier("X-2")])
    assert [r["error_code"] for r in reply["results"]] == ["0", "0"]
    send(sim, token, "DongBoHoSoMC", [dossier("X-1", status=4)])
    assert sim.state.dossiers["X-1"]["TrangThaiHoSo"] == 4
    assert sim.state.history["X-1"] == [2, 4]
    assert len(sim.state.dossiers) == 2


def test_missing_field_is_rejected_per_item(sim: SimServer) -> None:
    token = session(sim)
    bad = dossier("X-3")
    del bad["ChuHoSo"]
    reply = send(sim, token, "DongBoHoSoMC", [bad, dossier("X-4"), "not an object"])
    codes = [r["error_code"] for r in reply["results"]]
    assert codes == ["2", "0", "2"]
    assert "ChuHoSo" in reply["results"][0]["message"]
    assert "X-3" not in sim.state.dossiers


def test_progress_replay_is_recognised(sim: SimServer) -> None:
    token = session(sim)
    send(sim, token, "DongBoHoSoMC", [dossier("X-5")])
    entry = {"MaTienDo": "T-1", "MaHoSo": "X-5", "ThoiDiemXuLy": "20261201080000", "TrangThai": 2}
    first = send(sim, token, "CapNhatTienDoHoSoMC", [entry])
    again = send(sim, token, "CapNhatTienDoHoSoMC", [entry])
    assert first["results"][0]["error_code"] == again["results"][0]["error_code"] == "0"
    assert list(sim.state.progress) == ["T-1"]
    orphan = dict(entry, MaTienDo="T-2", MaHoSo="NOPE")
    assert send(sim, token, "CapNhatTienDoHoSoMC", [orphan])["results"][0]["error_code"] == "5"


def test_wrong_password_and_expired_session(sim: SimServer) -> None:
    assert post(sim, "/auth/token", {"username": "counter", "password": "x"})["error_code"] == "401"
    token = session(sim)
    post(sim, "/_sim/faults", {"mode": "expire_token", "count": 1})
    assert send(sim, token, "DongBoHoSoMC", [dossier("X-6")])["error_code"] == "401"
    assert "X-6" not in sim.state.dossiers


def test_faults(sim: SimServer) -> None:
    token = session(sim)
    post(sim, "/_sim/faults", {"mode": "error500", "count": 1})
    with pytest.raises(urllib.error.HTTPError) as error:
        send(sim, token, "DongBoHoSoMC", [dossier("X-7")])
    assert error.value.code == 500
    error.value.close()
    post(sim, "/_sim/faults", {"mode": "garbage", "count": 1})
    with pytest.raises(json.JSONDecodeError):
        send(sim, token, "DongBoHoSoMC", [dossier("X-7")])
    post(sim, "/_sim/faults", {"mode": "drop_reply", "count": 1})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        send(sim, token, "DongBoHoSoMC", [dossier("X-8")])
    assert "X-8" in sim.state.dossiers  # applied, although the reply was lost
    post(sim, "/_sim/faults", {"mode": "hang", "count": 1})
    with pytest.raises(TimeoutError):
        post(
            sim,
            "/api",
            {
                "session": token,
                "madonvi": "M",
                "service": "DongBoHoSoMC",
                "isUpdating": "False",
                "data": [dossier("X-9")],
            },
            timeout=0.2,
        )
    post(sim, "/_sim/faults", {"mode": "reject", "ma_ho_so": "X-10", "message": "sai mã"})
    reply = send(sim, token, "DongBoHoSoMC", [dossier("X-10"), dossier("X-11")])
    first = reply["results"][0]
    assert (first["error_code"], first["message"]) == ("4", "sai mã")
    assert reply["results"][1]["error_code"] == "0"


def test_stopped_server_refuses_connections(sim: SimServer) -> None:
    sim.stop()
    with pytest.raises(urllib.error.URLError):
        post(sim, "/auth/token", {"username": "counter", "password": "counter"}, timeout=1)
    sim.start()
    assert session(sim)


def test_another_office_cannot_take_a_code(sim: SimServer) -> None:
    token = session(sim)
    send(sim, token, "DongBoHoSoMC", [dossier("X-12")])
    reply = post(
        sim,
        "/api",
        {
            "session": token,
            "madonvi": "OTHER",
            "service": "DongBoHoSoMC",
            "isUpdating": "True",
            "data": [dossier("X-12", status=9)],
        },
    )
    assert reply["results"][0]["error_code"] == "3"
    assert sim.state.dossiers["X-12"]["TrangThaiHoSo"] == 2


def test_cut_empty_reorder_replay_and_after(sim: SimServer) -> None:
    token = session(sim)
    post(sim, "/_sim/faults", {"mode": "cut", "count": 1, "after": 1})
    send(sim, token, "DongBoHoSoMC", [dossier("X-20")])  # let through
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        send(sim, token, "DongBoHoSoMC", [dossier("X-21")])
    assert "X-20" in sim.state.dossiers and "X-21" not in sim.state.dossiers  # never applied
    post(sim, "/_sim/faults", {"mode": "empty", "count": 1})
    with pytest.raises(json.JSONDecodeError):
        send(sim, token, "DongBoHoSoMC", [dossier("X-22")])
    assert "X-22" not in sim.state.dossiers
    post(sim, "/_sim/faults", {"mode": "reorder", "count": 1})
    reply = send(sim, token, "DongBoHoSoMC", [dossier("X-23"), dossier("X-24")])
    assert [r["MaHoSo"] for r in reply["results"]] == ["X-24", "X-23"]
    post(sim, "/_sim/faults", {"mode": "replay", "count": 1})
    reply = send(sim, token, "DongBoHoSoMC", [dossier("X-25")])
    assert [r["MaHoSo"] for r in reply["results"]] == ["X-23", "X-24"]  # the previous reply
    assert "X-25" in sim.state.dossiers  # applied all the same
