"""The portal's side of the USB bundle: check it, apply it as the API would, sign a receipt.

``POST {base}/bundle`` takes the bundle file as the raw body (or as the ``file``
field of the upload page's form). The bundle is checked against the sync key the
province holds for the office it names (``PortalState.sync_keys``), applied once
(the same upserts and MaTienDo dedupe as ``/api``), and answered with a receipt
file signed with that key. A second import of the same bundle changes nothing and
is answered "already imported" (409) with the address of the first receipt.
"""

from __future__ import annotations

import json
import time
from typing import Any

from counter.portal import bundle_format as fmt
from tools.portal_sim.app import PortalState, apply_dossiers, apply_progress

#: What the province's officer reads when a bundle is refused.
REASONS = {
    fmt.NOT_A_BUNDLE: "Tệp này không phải gói dữ liệu đồng bộ của phần mềm một cửa.",
    fmt.TRUNCATED: "Gói dữ liệu không đầy đủ (có thể USB bị rút khi đang ghi). "
    "Hãy đề nghị xã xuất lại gói.",
    fmt.ALTERED: "Gói dữ liệu đã bị thay đổi sau khi xã ký (tổng kiểm tra không khớp). "
    "Không nhập gói này.",
    fmt.WRONG_KEY: "Chữ ký của gói không khớp: gói đã bị sửa, hoặc không được ký bằng khóa "
    "đồng bộ của đơn vị ghi trong gói.",
    "unknown_office": "Cổng chưa có khóa đồng bộ của đơn vị ghi trong gói.",
    "already_imported": "Gói dữ liệu này đã được nhập trước đó; không thay đổi gì.",
}


class BundleRefused(Exception):
    """The bundle is refused; ``code`` says why, ``message`` for a person."""

    def __init__(self, code: str, status: int = 400, **extra: Any) -> None:
        super().__init__(REASONS[code])
        self.code = code
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        return {"error_code": self.code, "message": REASONS[self.code], **self.extra}


def _office_of(data: bytes) -> str:
    """The madonvi the (not yet trusted) manifest names: to pick the key it must be signed with."""
    parts = data.split(b"\n", 2)
    if parts[0] != fmt.BUNDLE_MAGIC:
        raise BundleRefused(fmt.NOT_A_BUNDLE)
    if len(parts) < 3:
        raise BundleRefused(fmt.TRUNCATED)
    try:
        manifest = json.loads(parts[1])
    except ValueError:
        raise BundleRefused(fmt.ALTERED) from None
    if not isinstance(manifest, dict):
        raise BundleRefused(fmt.ALTERED)
    return str(manifest.get("madonvi") or "")


def import_bundle(state: PortalState, data: bytes) -> tuple[str, str]:
    """Check and apply one bundle; its id and the receipt file (text). Raises BundleRefused."""
    office = _office_of(data)
    key = state.sync_keys.get(office)
    if not key:
        raise BundleRefused("unknown_office", office=office)
    try:
        sealed = fmt.unseal(data, fmt.BUNDLE_MAGIC, key)
        lines = list(fmt.unpack_lines(sealed.body))
    except fmt.SealError as err:
        raise BundleRefused(err.code, detail=err.detail) from None
    manifest = sealed.manifest
    bundle_id = str(manifest.get("bundle_id") or "")
    if not bundle_id or len(lines) != manifest.get("count"):
        raise BundleRefused(fmt.ALTERED, detail="count")
    with state.lock:
        if bundle_id in state.bundles:
            raise BundleRefused(
                "already_imported",
                status=409,
                bundle_id=bundle_id,
                imported_at=state.bundles[bundle_id]["imported_at"],
                receipt_url=f"/bundle/{bundle_id}/receipt",
            )
        results = []
        for line in lines:
            service, item = line.get("service"), line.get("data")
            if service == "DongBoHoSoMC":
                [result] = apply_dossiers(state, office, [item])
                key_field = "MaHoSo"
            elif service == "CapNhatTienDoHoSoMC":
                [result] = apply_progress(state, [item])
                key_field = "MaTienDo"
            else:
                results.append(
                    {"service": str(service), "key": "", "error_code": "404", "message": "?"}
                )
                continue
            results.append(
                {
                    "service": service,
                    "key": result[key_field],
                    "error_code": result["error_code"],
                    "message": result["message"],
                }
            )
        imported_at = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 7 * 3600))
        receipt = fmt.seal(
            fmt.RECEIPT_MAGIC,
            {
                "kind": "receipt",
                "bundle_id": bundle_id,
                "madonvi": office,
                "bundle_sha256": manifest.get("sha256"),
                "imported_at": imported_at,
                "results": results,
            },
            b"",
            key,
        ).decode("utf-8")
        state.bundles[bundle_id] = {"imported_at": imported_at, "receipt": receipt}
        state.requests.append(
            {"at": time.time(), "kind": "bundle", "body": manifest, "reply": len(results)}
        )
        state.save()
    return bundle_id, receipt


_PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>Nhập gói dữ liệu — cổng DVC mô phỏng</title>
<style>body{font:15px sans-serif;margin:1.5em;max-width:46em}
.ok{background:#e6f4ea;border:1px solid #1e7e34;padding:.6em}
.err{background:#fdecea;border:1px solid #b71c1c;padding:.6em}
table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left}</style>
<h1>Nhập gói dữ liệu từ USB</h1>
<p><a href="/">← Cổng dịch vụ công tỉnh — bản mô phỏng</a></p>
{% if error %}<p class="err" role="alert"><strong>Không nhập được gói.</strong> {{ error.message }}
{% if error.receipt_url %}<br><a href="{{ error.receipt_url }}">Tải lại biên nhận đã cấp</a>{% endif %}</p>{% endif %}
{% if receipt_url %}<p class="ok" role="status"><strong>Đã nhập gói {{ bundle_id[:8] }}:</strong>
{{ accepted }} mục được nhận, {{ rejected }} mục bị từ chối.
<br><a id="receipt" href="{{ receipt_url }}">Tải biên nhận</a> và mang về xã để nạp vào phần mềm.</p>
{% if refused %}<table><tr><th>Mã</th><th>Lý do từ chối</th></tr>
{% for r in refused %}<tr><td>{{ r.key }}</td><td>{{ r.message }}</td></tr>{% endfor %}</table>{% endif %}
{% endif %}
<form method="post" action="/bundle" enctype="multipart/form-data">
<p><label>Tệp gói dữ liệu (.dbgoi) <input type="file" name="file" required></label></p>
<p><button type="submit">Nhập gói</button></p>
</form>"""


def register(app: Any, state: PortalState) -> None:
    """Add ``/bundle`` (raw or the page's form), its page and the receipts' download."""
    from flask import Response, jsonify, render_template_string, request

    def receipt_response(bundle_id: str) -> Response:
        text = state.bundles[bundle_id]["receipt"]
        return Response(
            text.encode("utf-8"),
            mimetype="application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="bienhan-{bundle_id[:8]}.bnhan"',
                "X-Bundle-Id": bundle_id,
            },
        )

    @app.get("/bundle")
    def bundle_page() -> str:
        return render_template_string(_PAGE, error=None, receipt_url=None)

    @app.post("/bundle")
    def bundle_import() -> Any:
        # The page's form, or the file's bytes as the body (whatever Content-Type they came with).
        from_page = request.mimetype == "multipart/form-data"
        if from_page:
            upload = request.files.get("file")
            data = upload.read() if upload is not None else b""
        else:
            data = request.get_data(parse_form_data=False)
        try:
            bundle_id, receipt = import_bundle(state, data)
        except BundleRefused as err:
            if from_page:
                page = render_template_string(_PAGE, error=err.body(), receipt_url=None)
                return page, err.status
            return jsonify(err.body()), err.status
        if not from_page:
            return receipt_response(bundle_id)
        results = fmt.unseal(
            receipt.encode("utf-8"), fmt.RECEIPT_MAGIC, state.sync_keys[_office_of(data)]
        ).manifest["results"]
        refused = [r for r in results if r["error_code"] != "0"]
        return render_template_string(
            _PAGE,
            error=None,
            bundle_id=bundle_id,
            receipt_url=f"/bundle/{bundle_id}/receipt",
            accepted=len(results) - len(refused),
            rejected=len(refused),
            refused=refused,
        )

    @app.get("/bundle/<bundle_id>/receipt")
    def bundle_receipt(bundle_id: str) -> Any:
        if bundle_id not in state.bundles:
            return jsonify({"error_code": "404", "message": "Không có gói này"}), 404
        return receipt_response(bundle_id)

    @app.post("/_sim/keys")
    def set_keys() -> Any:
        body = request.get_json(silent=True) or {}
        with state.lock:
            state.sync_keys.update({str(k): str(v) for k, v in body.items()})
        return jsonify(sorted(state.sync_keys))
