"""Run the portal simulator: ``python -m tools.portal_sim --port 8765``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.portal_sim.app import FAULTS, Fault, PortalState, sample_online
from tools.portal_sim.server import SimServer


def main(argv: list[str] | None = None) -> int:
    """Parse the options and serve until Ctrl+C."""
    parser = argparse.ArgumentParser(prog="python -m tools.portal_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--user", default="counter", help="tên đăng nhập cổng")
    parser.add_argument("--password", default="counter", help="mật khẩu cổng")
    parser.add_argument("--token-seconds", type=int, default=3600)
    parser.add_argument("--state", type=Path, help="tệp JSON giữ dữ liệu giữa các lần chạy")
    parser.add_argument("--fail", choices=FAULTS, help="lỗi giả lập cho mọi yêu cầu")
    parser.add_argument(
        "--sync-key",
        action="append",
        default=[],
        metavar="MADONVI=KHOA",
        help="khóa đồng bộ của một đơn vị (để nhập gói dữ liệu USB của đơn vị đó)",
    )
    parser.add_argument("--reject", action="append", default=[], metavar="MaHoSo")
    parser.add_argument(
        "--seed",
        action="append",
        default=[],
        type=Path,
        metavar="TEP.json",
        help='hồ sơ nộp trực tuyến: {"madonvi": "...", "data": [đối tượng DongBoHoSoMC]}',
    )
    parser.add_argument(
        "--seed-online",
        action="append",
        default=[],
        metavar="MADONVI",
        help="thêm 3 hồ sơ nộp trực tuyến mẫu (trạng thái 1) cho đơn vị này",
    )
    args = parser.parse_args(argv)
    state = PortalState(
        username=args.user,
        password=args.password,
        token_seconds=args.token_seconds,
        state_file=args.state,
    )
    if args.fail:
        state.faults.append(Fault(args.fail))
    for pair in args.sync_key:
        office, _, key = pair.partition("=")
        if not key:
            parser.error(f"--sync-key {pair}: cần dạng MADONVI=KHOA")
        state.sync_keys[office] = key
    for code in args.reject:
        state.rejected[code] = "Cổng từ chối hồ sơ"
    server = SimServer(state, host=args.host, port=args.port)  # loads --state first
    for file in args.seed:
        body = json.loads(file.read_text("utf-8"))
        state.seed(str(body.get("madonvi") or ""), list(body.get("data") or []))
    for office in args.seed_online:
        state.seed(office, sample_online(office))
    server.start()
    print(f"Cổng mô phỏng đang chạy ở {server.url} (Ctrl+C để dừng)", flush=True)
    try:
        server._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
