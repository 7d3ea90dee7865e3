"""The procedure catalog: search, demo data, import under a decision, editing."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from counter.domain.errors import Conflict, NotAllowed, ValidationError
from counter.extensions import db
from counter.models import AuditEntry, CatalogImport, Procedure, ProcedureDocument, ProcedureFee
from counter.services import Actor
from counter.services import catalog as svc

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN = Actor(user_id=None, username="admin", roles=frozenset({"admin"}), address="test")
RECEPTION = Actor(user_id=None, username="tiepnhan", roles=frozenset({"reception"}), address="test")
DECISION_DATE = date(2025, 6, 30)


def _codes(procedures: list[Procedure]) -> list[str]:
    return [p.national_code for p in procedures]


def _counts() -> tuple[int, int, int, int]:
    def count(model: Any) -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0

    return (count(Procedure), count(ProcedureDocument), count(ProcedureFee), count(CatalogImport))


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "thu_tuc"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- demo catalog and search -------------------------------------------------


def test_demo_catalog_is_loaded_once(app: object) -> None:
    before = _counts()
    assert before[0] == 19  # the fixture's init --demo loaded it
    birth = svc.get_by_code("1.001193")
    assert birth is not None and birth.name == "Đăng ký khai sinh"
    assert [d.name for d in birth.documents][:1] == ["Tờ khai đăng ký khai sinh"]
    assert svc.load_demo_catalog() is None
    assert _counts() == before


def test_demo_loader_fills_an_empty_catalog(tmp_path: Path) -> None:
    # A database of its own (an SQLite file): the shared one already has demo dossiers.
    from counter.services.setup import initialize
    from tests.conftest import make_app

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    with app.app_context():
        initialize()
        assert _counts()[0] == 0
        note = svc.load_demo_catalog()
        assert note and "19" in note
        assert _counts()[0] == 19 and _counts()[3] == 1
        assert svc.load_demo_catalog() is None
        assert _counts()[0] == 19 and _counts()[3] == 1
        copy = svc.get_by_code("2.000815")
        assert copy is not None
        assert [f.amount for f in copy.fees] == [2000, 1000]
        assert copy.search_text == (
            "2.000815 2.000815.000.00.00.h18 chung thuc ban sao tu ban chinh chung thuc"
        )
        db.session.remove()
        db.engine.dispose()


#: The names and legal bases a demo database made before the 2025 catalogue holds.
OLD_DEMO_NAMES = {
    "2.001035": "Chứng thực hợp đồng, giao dịch",
    "2.000913": "Sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
    "2.000927": "Sửa lỗi sai sót trong hợp đồng, giao dịch",
    "2.000635": "Cấp bản sao trích lục hộ tịch",
    "1.004873": "Xác nhận tình trạng hôn nhân",
}
OLD_LEGAL_BASIS = {
    "Chứng thực": "Nghị định 23/2015/NĐ-CP; Thông tư 01/2020/TT-BTP; Thông tư 226/2016/TT-BTC",
    "Hộ tịch": "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Thông tư 04/2020/TT-BTP; "
    "Thông tư 85/2019/TT-BTC",
}


def _as_an_older_demo_database() -> dict[str, int]:
    """Put back the demo catalog's pre-2025 names; returns the procedure ids by code."""
    for proc in db.session.scalars(db.select(Procedure)):
        proc.name = OLD_DEMO_NAMES.get(proc.national_code, proc.name)
        proc.legal_basis = OLD_LEGAL_BASIS.get(proc.field_name, proc.legal_basis)
    db.session.commit()
    return {p.national_code: p.id for p in db.session.scalars(db.select(Procedure))}


def test_demo_loader_brings_an_older_demo_catalog_to_the_2025_names(app: object) -> None:
    from counter.models import Dossier

    ids = _as_an_older_demo_database()
    used = db.session.scalar(
        db.select(Dossier).join(Dossier.procedure).where(Procedure.national_code == "2.001035")
    )
    assert used is not None, "the demo has a dossier of 2.001035"
    imports = _counts()[3]

    note = svc.load_demo_catalog()

    assert note and "cập nhật" in note
    db.session.expire_all()
    contract = svc.get_by_code("2.001035")
    assert contract is not None and contract.id == ids["2.001035"]
    assert contract.name == (
        "Chứng thực giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất, nhà ở"
    )
    assert "Nghị định 280/2025/NĐ-CP" in contract.legal_basis
    assert "Nghị định 07/2025/NĐ-CP" in svc.get_by_code("1.001193").legal_basis  # type: ignore[union-attr]
    assert svc.get_by_code("1.004873").name == "Cấp Giấy xác nhận tình trạng hôn nhân"  # type: ignore[union-attr]
    # Through the catalog's versioning: one more import, history per procedure, same rows.
    assert _counts()[3] == imports + 1
    latest = svc.list_imports(1)[0]
    assert latest.decision_number == svc.DEMO_DECISION and latest.changed_count == 18
    assert contract.last_import_id == latest.id
    assert [e.detail for e in svc.history(contract)][:1] == [
        f"{svc.DEMO_DECISION}: Tên thủ tục, Căn cứ pháp lý"
    ]
    assert {p.national_code: p.id for p in db.session.scalars(db.select(Procedure))} == ids
    assert db.session.get(Dossier, used.id).procedure.name == contract.name  # type: ignore[union-attr]
    assert svc.load_demo_catalog() is None  # idempotent
    assert _counts()[3] == imports + 1


def test_demo_loader_leaves_a_catalog_the_office_has_edited(app: object) -> None:
    from counter.models import User

    _as_an_older_demo_database()
    admin = db.session.scalar(db.select(User).where(User.username == "admin"))
    birth = svc.get_by_code("1.001193")
    assert admin is not None and birth is not None
    edited = _form(birth, legal_basis=birth.legal_basis + "; Quyết định của UBND tỉnh")
    svc.save_procedure(Actor.for_user(admin, "test"), birth.id, edited)
    imports = _counts()[3]
    assert svc.load_demo_catalog() is None
    db.session.expire_all()
    assert svc.get_by_code("1.004873").name == "Xác nhận tình trạng hôn nhân"  # type: ignore[union-attr]
    assert _counts()[3] == imports


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("khai sinh", "1.001193"),
        ("Khai Sinh", "1.001193"),
        ("khai sinh", "1.001193"),
        ("chung thuc ban sao", "2.000815"),
        ("chứng thực bản sao", "2.000815"),
        ("2.000815", "2.000815"),
        ("2.0008", "2.000815"),
        ("1.001193.000.00.00.h18", "1.001193"),
        ("dang ky ket", "1.000894"),
    ],
)
def test_search_without_diacritics_or_by_code(app: object, query: str, first: str) -> None:
    found = svc.search_procedures(query)
    assert found, query
    assert found[0].national_code == first


def test_search_ranks_name_prefix_before_words_elsewhere(app: object) -> None:
    found = _codes(svc.search_procedures("khai sinh"))
    # "Đăng ký khai sinh" and "Đăng ký lại khai sinh" hold the words early; a copy of a
    # birth certificate (2.000635, "…, bản sao Giấy khai sinh") holds them late.
    assert found == ["1.001193", "1.004884", "2.000635"]
    found = _codes(svc.search_procedures("dang ky lai"))
    assert found[0] == "1.004884"
    code_first = _codes(svc.search_procedures("2.00"))
    assert code_first and all(c.startswith("2.00") for c in code_first)


def test_search_finds_nothing_for_nonsense_and_escapes_wildcards(app: object) -> None:
    assert svc.search_procedures("xyz khong co") == []
    assert svc.search_procedures("%") == []
    assert svc.search_procedures("_") == []


def test_search_limit_and_empty_query(app: object) -> None:
    assert len(svc.search_procedures("", limit=5)) == 5
    assert len(svc.search_procedures("chung thuc", limit=3)) == 3


# --- import ------------------------------------------------------------------


def test_good_csv_preview_then_apply(app: object) -> None:
    data = (DATA / "catalog_good.csv").read_bytes()
    before = _counts()
    preview = svc.preview_import("catalog_good.csv", data)
    assert preview.ok and preview.can_apply
    assert _counts() == before  # a preview writes nothing
    # the demo catalog already has these; the file differs in places and abolishes one
    assert not preview.diff.new
    assert [c.record.national_code for c in preview.changed] == [
        "1.001193",
        "2.000635",
        "1.004873",
        "2.000815",
        "2.001035",
    ]
    assert [r.national_code for r in preview.diff.abolished] == ["1.004845"]
    birth = next(c for c in preview.changed if c.record.national_code == "1.001193")
    assert "Thành phần hồ sơ" in birth.labels

    imp = svc.apply_import(
        ADMIN, "catalog_good.csv", data, " QĐ 1234/QĐ-UBND ", DECISION_DATE, preview.digest
    )
    assert imp.decision_number == "QĐ 1234/QĐ-UBND"
    assert imp.decision_date == DECISION_DATE
    assert imp.changed_count == len(preview.changed)
    assert imp.new_count == 0 and imp.abolished_count == 1
    abolished = svc.get_by_code("1.004845")
    assert abolished is not None and not abolished.active
    assert abolished.replaced_by is not None
    assert abolished.replaced_by.national_code == "1.004837"
    birth_proc = svc.get_by_code("1.001193")
    assert birth_proc is not None
    assert [d.name for d in birth_proc.documents] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
    ]
    assert birth_proc.last_import_id == imp.id
    assert svc.history(birth_proc)[0].action == "procedure_updated"
    # a second run changes nothing and is refused as such
    assert not svc.preview_import("catalog_good.csv", data).has_changes
    with pytest.raises(ValidationError):
        svc.apply_import(ADMIN, "catalog_good.csv", data, "QĐ 1/QĐ-UBND", DECISION_DATE)


def test_json_import_adds_new_procedure_with_everything(app: object) -> None:
    data = json.dumps(
        {
            "thu_tuc": [
                {
                    "ma_tthc": "1.009999",
                    "ma_tthc_dia_phuong": "1.009999.000.00.00.H18",
                    "ten_tthc": "Đăng ký hoạt động tín ngưỡng",
                    "linh_vuc_ma": "TG",
                    "linh_vuc": "Tín ngưỡng, tôn giáo",
                    "thoi_han": "15 ngày làm việc",
                    "le_phi": ["Miễn lệ phí"],
                    "thanh_phan_ho_so": [
                        "Văn bản đăng ký (bản chính) x2",
                        {"ten": "Bản sao giấy tờ", "loai": "bản sao", "so_luong": 1},
                    ],
                    "ket_qua": "Văn bản chấp thuận",
                    "muc_do": "một phần",
                    "co_quan_thuc_hien": "UBND xã",
                    "can_cu_phap_ly": "Luật Tín ngưỡng, tôn giáo 2016",
                    "hieu_luc_tu": "2025-07-01",
                }
            ]
        },
        ensure_ascii=False,
    ).encode()
    preview = svc.preview_import("moi.json", data)
    assert [r.national_code for r in preview.diff.new] == ["1.009999"]
    imp = svc.apply_import(ADMIN, "moi.json", data, "QĐ 55/QĐ-UBND", DECISION_DATE)
    assert (imp.new_count, imp.changed_count, imp.abolished_count) == (1, 0, 0)
    found = svc.search_procedures("tin nguong")
    assert _codes(found) == ["1.009999"]
    p = found[0]
    assert p.limit_amount == 15 and p.limit_unit == "working_days"
    assert [(d.name, d.kind, d.count) for d in p.documents] == [
        ("Văn bản đăng ký", "original", 2),
        ("Bản sao giấy tờ", "copy", 1),
    ]
    assert [(f.amount, f.description) for f in p.fees] == [(0, "Miễn lệ phí")]
    assert p.service_level == "partial_online"
    assert p.effective_from == date(2025, 7, 1)


def test_xlsx_import(app: object) -> None:
    data = _xlsx(
        [
            ["DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP XÃ"],
            ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn", "Lệ phí", "Thành phần hồ sơ"],
            [
                "1.008888",
                "Cấp giấy xác nhận cư trú",
                "Cư trú",
                "2 ngày làm việc",
                "10.000 đ/bản",
                "Tờ khai (bản chính) x1",
            ],
            ["2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", "trong ngày", "", ""],
        ]
    )
    preview = svc.preview_import("Danh muc.XLSX", data)
    assert preview.ok, preview.errors
    assert [r.national_code for r in preview.diff.new] == ["1.008888"]
    changed = {c.record.national_code: c.fields for c in preview.changed}
    assert set(changed["2.000815"]) == {"fees", "documents"}
    imp = svc.apply_import(ADMIN, "Danh muc.XLSX", data, "QĐ 77/QĐ-UBND", DECISION_DATE)
    assert (imp.new_count, imp.changed_count) == (1, 1)
    copy = svc.get_by_code("2.000815")
    assert copy is not None and copy.fees == [] and copy.documents == []
    # columns absent from the file are left alone
    assert copy.local_code == "2.000815.000.00.00.H18"
    assert copy.result_name


def test_bad_file_lists_lines_and_saves_nothing(app: object) -> None:
    data = (DATA / "catalog_bad.csv").read_bytes()
    before = _counts()
    preview = svc.preview_import("catalog_bad.csv", data)
    assert not preview.ok and not preview.can_apply
    lines = {line for line, _ in preview.errors}
    assert {3, 4, 5, 6, 7, 8, 9, 10, 11, 13} <= lines
    assert 2 not in lines  # the first row is good
    with pytest.raises(ValidationError) as exc:
        svc.apply_import(ADMIN, "catalog_bad.csv", data, "QĐ 1/QĐ-UBND", DECISION_DATE)
    assert "chưa lưu gì" in exc.value.message
    assert _counts() == before
    assert (
        db.session.scalar(db.select(db.func.count()).where(AuditEntry.action == "catalog_imported"))
        == 1
    )  # the demo load only


def test_good_rows_are_not_saved_when_one_row_is_bad(app: object) -> None:
    data = (
        "ma_tthc,ten_tthc,thoi_han\n"
        "1.007777,Thủ tục mới tốt,3 ngày làm việc\n"
        "1.007778,Thủ tục mới lỗi,3 tuần\n"
    ).encode()
    before = _counts()
    preview = svc.preview_import("a.csv", data)
    assert [line for line, _ in preview.errors] == [3]
    with pytest.raises(ValidationError):
        svc.apply_import(ADMIN, "a.csv", data, "QĐ 1/QĐ-UBND", DECISION_DATE)
    assert _counts() == before
    assert svc.get_by_code("1.007777") is None


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("danh_muc.pdf", b"%PDF-1.4", ".csv, .xlsx hoặc .json"),
        ("danh_muc.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("danh_muc.csv", b"", "rỗng"),
        ("danh_muc.json", b"x" * (svc.MAX_IMPORT_BYTES + 1), "quá lớn"),
    ],
)
def test_refused_files(app: object, filename: str, data: bytes, words: str) -> None:
    with pytest.raises(ValidationError) as exc:
        svc.preview_import(filename, data)
    assert words in exc.value.message
    assert exc.value.field == "file"


def test_broken_xlsx_is_an_error_not_a_crash(app: object) -> None:
    preview = svc.preview_import("hong.xlsx", b"PK\x03\x04 not really a zip")
    assert preview.errors == [(0, "Không mở được tệp Excel (.xlsx).")]


def test_decision_number_and_date_are_required(app: object) -> None:
    data = b"ma_tthc,ten_tthc,thoi_han\n1.007777,Thu tuc,3 ngay lam viec\n"
    with pytest.raises(ValidationError) as exc:
        svc.apply_import(ADMIN, "a.csv", data, "  ", DECISION_DATE)
    assert exc.value.field == "decision_number"
    with pytest.raises(ValidationError) as exc:
        svc.apply_import(ADMIN, "a.csv", data, "QĐ 1/QĐ-UBND", None)
    assert exc.value.field == "decision_date"
    with pytest.raises(ValidationError) as exc:
        svc.apply_import(ADMIN, "a.csv", data, "QĐ 1/QĐ-UBND", date(2999, 1, 1))
    assert exc.value.field == "decision_date"
    assert svc.get_by_code("1.007777") is None


def test_only_admin_imports(app: object) -> None:
    data = b"ma_tthc,ten_tthc,thoi_han\n1.007777,Thu tuc,3 ngay lam viec\n"
    with pytest.raises(NotAllowed):
        svc.apply_import(RECEPTION, "a.csv", data, "QĐ 1/QĐ-UBND", DECISION_DATE)
    assert svc.get_by_code("1.007777") is None


def test_stale_preview_is_refused(app: object) -> None:
    data = b"ma_tthc,ten_tthc,thoi_han\n1.001193,Dang ky khai sinh (ten moi),trong ngay\n"
    preview = svc.preview_import("a.csv", data)
    assert [c.fields for c in preview.changed] == [["name"]]
    other = b"ma_tthc,ten_tthc,thoi_han\n1.001193,Dang ky khai sinh,3 ngay lam viec\n"
    svc.apply_import(ADMIN, "b.csv", other, "QĐ 2/QĐ-UBND", DECISION_DATE)
    with pytest.raises(Conflict):
        svc.apply_import(ADMIN, "a.csv", data, "QĐ 3/QĐ-UBND", DECISION_DATE, preview.digest)
    assert svc.get_by_code("1.001193").name == "Dang ky khai sinh"  # type: ignore[union-attr]


def test_abolish_hides_from_search_but_keeps_the_procedure(app: object) -> None:
    data = (
        "ma_tthc;ten_tthc;thoi_han;trang_thai\n2.000908;Cấp bản sao từ sổ gốc;trong ngày;bãi bỏ\n"
    ).encode()
    preview = svc.preview_import("bai_bo.csv", data)
    assert [r.national_code for r in preview.diff.abolished] == ["2.000908"]
    imp = svc.apply_import(ADMIN, "bai_bo.csv", data, "QĐ 9/QĐ-UBND", DECISION_DATE)
    assert imp.abolished_count == 1
    assert "2.000908" not in _codes(svc.search_procedures("ban sao tu so goc"))
    assert "2.000908" not in _codes(svc.list_procedures())
    assert "2.000908" in _codes(svc.search_procedures("ban sao tu so goc", include_inactive=True))
    assert "2.000908" in _codes(svc.list_procedures(only_inactive=True))
    p = svc.get_by_code("2.000908")
    assert p is not None and not p.active and p.abolished_at is not None
    assert svc.get_procedure(p.id).name == "Cấp bản sao từ sổ gốc"
    assert svc.status(p) == "abolished"
    assert svc.history(p)[0].action == "procedure_abolished"


def test_replacement_in_the_same_file_is_linked(app: object) -> None:
    data = (
        "ma_tthc;ten_tthc;thoi_han;trang_thai;thay_the_boi\n"
        "1.004837;Đăng ký giám hộ;3 ngày làm việc;bãi bỏ;1.012345\n"
        "1.012345;Đăng ký giám hộ (mới);2 ngày làm việc;hiệu lực;\n"
    ).encode()
    preview = svc.preview_import("thay.csv", data)
    assert not preview.warnings
    svc.apply_import(ADMIN, "thay.csv", data, "QĐ 10/QĐ-UBND", DECISION_DATE)
    old, new = svc.get_by_code("1.004837"), svc.get_by_code("1.012345")
    assert old is not None and new is not None
    assert old.replaced_by_id == new.id and not old.active
    assert new.active and new.replaced_by_id is None


def test_replacement_already_in_the_catalog_is_linked(app: object) -> None:
    data = (
        "ma_tthc;ten_tthc;thoi_han;trang_thai;thay_the_boi\n"
        "1.004845;Đăng ký chấm dứt giám hộ;2 ngày làm việc;bãi bỏ;1.004837\n"
    ).encode()
    svc.apply_import(ADMIN, "thay.csv", data, "QĐ 11/QĐ-UBND", DECISION_DATE)
    old = svc.get_by_code("1.004845")
    assert old is not None and old.replaced_by is not None
    assert old.replaced_by.national_code == "1.004837"


def test_missing_replacement_is_a_warning_and_a_note(app: object) -> None:
    data = (
        "ma_tthc;ten_tthc;thoi_han;trang_thai;thay_the_boi\n"
        "1.004845;Đăng ký chấm dứt giám hộ;2 ngày làm việc;bãi bỏ;1.099999\n"
    ).encode()
    preview = svc.preview_import("thay.csv", data)
    assert preview.ok and any("1.099999" in w for w in preview.warnings)
    imp = svc.apply_import(ADMIN, "thay.csv", data, "QĐ 12/QĐ-UBND", DECISION_DATE)
    assert "1.099999" in imp.note
    old = svc.get_by_code("1.004845")
    assert old is not None and old.replaced_by_id is None and not old.active


def test_reinstating_an_abolished_procedure(app: object) -> None:
    abolish = b"ma_tthc;ten_tthc;thoi_han;trang_thai\n2.000908;Cap ban sao;trong ngay;bai bo\n"
    svc.apply_import(ADMIN, "a.csv", abolish, "QĐ 1/QĐ-UBND", DECISION_DATE)
    back = b"ma_tthc;ten_tthc;thoi_han;trang_thai\n2.000908;Cap ban sao;trong ngay;hieu luc\n"
    preview = svc.preview_import("b.csv", back)
    assert [c.record.national_code for c in preview.changed] == ["2.000908"]
    assert "active" in preview.changed[0].fields
    svc.apply_import(ADMIN, "b.csv", back, "QĐ 2/QĐ-UBND", DECISION_DATE)
    p = svc.get_by_code("2.000908")
    assert p is not None and p.active and p.abolished_at is None
    assert "2.000908" in _codes(svc.search_procedures("2.000908"))


def test_not_yet_in_force_is_not_offered(app: object) -> None:
    data = b"ma_tthc;ten_tthc;thoi_han;hieu_luc_tu\n1.006666;Thu tuc tuong lai;3;01/01/2999\n"
    data = data.replace(b";3;", b";3 ngay lam viec;")
    svc.apply_import(ADMIN, "a.csv", data, "QĐ 1/QĐ-UBND", DECISION_DATE)
    assert svc.search_procedures("tuong lai") == []
    p = svc.get_by_code("1.006666")
    assert p is not None and svc.status(p) == "not_yet"


# --- editing -----------------------------------------------------------------


def _form(p: Procedure, **changes: Any) -> dict[str, Any]:
    values = {
        "national_code": p.national_code,
        "local_code": p.local_code or "",
        "name": p.name,
        "field_code": p.field_code,
        "field_name": p.field_name,
        "limit_amount": str(p.limit_amount),
        "limit_unit": p.limit_unit,
        "limit_note": p.limit_note,
        "fees": svc.fee_lines(p.fees),
        "documents": svc.document_lines(p.documents),
        "result_name": p.result_name,
        "service_level": p.service_level or "",
        "implementing_body": p.implementing_body,
        "legal_basis": p.legal_basis,
        "active": p.active,
        "effective_from": p.effective_from,
        "effective_to": p.effective_to,
        "replaced_by": "",
    }
    values.update(changes)
    return values


def test_edit_round_trips_documents_and_fees(app: object) -> None:
    p = svc.get_by_code("2.000815")
    assert p is not None
    before = svc.to_record(p)
    saved = svc.save_procedure(ADMIN, p.id, _form(p))
    assert svc.to_record(saved) == before
    assert svc.history(saved) == []  # nothing changed, nothing to tell


def test_edit_changes_documents_fees_and_search_text(app: object) -> None:
    p = svc.get_by_code("1.001193")
    assert p is not None
    svc.save_procedure(
        ADMIN,
        p.id,
        _form(
            p,
            name="Đăng ký khai sinh cho trẻ em",
            documents="Tờ khai (bản chính) x1\n[GCS] Giấy chứng sinh (bản chính hoặc bản sao) x2",
            fees="0 Miễn lệ phí\n8.000 đ/bản",
        ),
    )
    db.session.expire_all()
    p = svc.get_by_code("1.001193")
    assert p is not None
    assert [(d.code, d.name, d.kind, d.count) for d in p.documents] == [
        (None, "Tờ khai", "original", 1),
        ("GCS", "Giấy chứng sinh", "original_or_copy", 2),
    ]
    assert [(f.amount, f.description) for f in p.fees] == [(0, "Miễn lệ phí"), (8000, "đ/bản")]
    assert _codes(svc.search_procedures("khai sinh cho tre"))[0] == "1.001193"
    entry = svc.history(p)[0]
    assert entry.action == "procedure_updated"
    assert "Tên thủ tục" in entry.detail and "Thành phần hồ sơ" in entry.detail


def test_edit_errors_go_to_their_fields_and_save_nothing(app: object) -> None:
    p = svc.get_by_code("1.001193")
    assert p is not None
    with pytest.raises(svc.RecordInvalid) as exc:
        svc.save_procedure(
            ADMIN,
            p.id,
            _form(
                p,
                name="",
                documents="Tờ khai không ghi loại bản",
                limit_amount="ba",
                limit_unit="working_days",
            ),
        )
    fields = {f for f, _ in exc.value.errors}
    assert {"name", "documents", "limit_amount"} <= fields
    db.session.expire_all()
    assert svc.get_by_code("1.001193").name == "Đăng ký khai sinh"  # type: ignore[union-attr]


def test_edit_replacement_must_exist(app: object) -> None:
    p = svc.get_by_code("1.004845")
    assert p is not None
    with pytest.raises(svc.RecordInvalid) as exc:
        svc.save_procedure(ADMIN, p.id, _form(p, replaced_by="1.099999"))
    assert exc.value.errors[0][0] == "replaced_by"
    saved = svc.save_procedure(ADMIN, p.id, _form(p, replaced_by="1.004837", active=False))
    assert saved.replaced_by is not None and saved.replaced_by.national_code == "1.004837"
    assert not saved.active and saved.abolished_at is not None
    assert svc.history(saved)[0].action == "procedure_abolished"


def test_create_by_hand_and_duplicate_code(app: object) -> None:
    values = {
        "national_code": "1.005555",
        "name": "Thủ tục thêm tay",
        "limit_amount": "5",
        "limit_unit": "working_days",
        "documents": "Đơn (bản chính)",
        "active": True,
    }
    created = svc.save_procedure(ADMIN, None, values)
    assert created.id and created.documents[0].count == 1
    with pytest.raises(svc.RecordInvalid) as exc:
        svc.save_procedure(ADMIN, None, values)
    assert exc.value.errors == [("national_code", "Mã TTHC này đã có trong danh mục.")]


def test_only_admin_edits(app: object) -> None:
    p = svc.get_by_code("1.001193")
    assert p is not None
    with pytest.raises(NotAllowed):
        svc.save_procedure(RECEPTION, p.id, _form(p, name="Khác"))


# --- command line ------------------------------------------------------------


def test_cli_import_dry_run_then_apply(app: object, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "qd.csv"
    path.write_bytes(b"ma_tthc,ten_tthc,thoi_han\n1.007777,Thu tuc moi,3 ngay lam viec\n")
    result = runner.invoke(args=["catalog-import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 mới, 0 sửa đổi, 0 bãi bỏ" in result.output
    assert svc.get_by_code("1.007777") is None
    result = runner.invoke(
        args=["catalog-import", str(path), "--decision", "QĐ 8/QĐ-UBND", "--date", "30/06/2025"]
    )
    assert result.exit_code == 0, result.output
    assert "Đã nhập theo QĐ 8/QĐ-UBND." in result.output
    db.session.expire_all()
    imp = svc.list_imports()[0]
    assert (imp.decision_number, imp.decision_date, imp.new_count) == (
        "QĐ 8/QĐ-UBND",
        DECISION_DATE,
        1,
    )


def test_cli_import_of_a_bad_file_prints_lines_and_saves_nothing(app: object, runner: Any) -> None:
    before = _counts()
    result = runner.invoke(
        args=[
            "catalog-import",
            str(DATA / "catalog_bad.csv"),
            "--decision",
            "QĐ 8/QĐ-UBND",
            "--date",
            "30/06/2025",
        ]
    )
    assert result.exit_code != 0
    assert "Dòng 3: Cột ten_tthc: thiếu tên thủ tục." in result.output
    assert "chưa lưu gì" in result.output
    assert _counts() == before
