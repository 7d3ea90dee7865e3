"""Time to render and encode a receipt slip at both paper widths, and the job size.

Run from the repository root: python bench/bench_print.py
The counter PC is old (2 cores): a slip should be ready well under a second.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter.domain.printed.form01 import SlipData, slip_blocks
from counter.domain.printed.parts import ReceivedDocument
from counter.printing.escpos import PrinterProfile, image_job
from counter.printing.raster import WIDTH_58MM, WIDTH_80MM, render_blocks

ROUNDS = 10

SLIP = SlipData(
    centre_name="Trung tâm Phục vụ hành chính công xã Mường Phăng",
    governing_body="UBND xã Mường Phăng",
    dossier_code="000.20.18.H18-261127-0001",
    applicant_name="Nguyễn Thị Hường",
    procedure_name="Thay đổi, cải chính, bổ sung thông tin hộ tịch",
    documents=[
        ReceivedDocument("Tờ khai thay đổi, cải chính, bổ sung thông tin hộ tịch", "bản chính", 1),
        ReceivedDocument("Giấy khai sinh", "bản chính", 1),
        ReceivedDocument("Căn cước công dân", "bản sao", 1),
    ],
    sets=1,
    received_at=datetime(2026, 11, 27, 3, 5, tzinfo=UTC),
    due_at=datetime(2026, 12, 2, 3, 5, tzinfo=UTC),
    lookup_url="https://dichvucong.dienbien.gov.vn/tra-cuu?ma=000.20.18.H18-261127-0001",
    officer_name="Lò Văn Đức",
    office_phone="0215 3825 999",
    note="Nhận kết quả tại quầy số 2",
)


def _median_ms(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    blocks = slip_blocks(SLIP)
    render_blocks(blocks, WIDTH_58MM)  # load the fonts once, as a running server has
    print(f"{'width':>6} {'render ms':>10} {'encode ms':>10} {'bytes':>8} {'height':>7}")
    for width in (WIDTH_58MM, WIDTH_80MM):
        render_ms, image = _median_ms(lambda w=width: render_blocks(blocks, w))
        profile = PrinterProfile(width=width)
        encode_ms, job = _median_ms(lambda im=image, p=profile: image_job(im, p))
        print(f"{width:>6} {render_ms:>10.1f} {encode_ms:>10.1f} {len(job):>8} {image.height:>7}")


if __name__ == "__main__":
    main()
