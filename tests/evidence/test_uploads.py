"""Uploads are judged by content, stored by hash, chained into the trail, served in scope."""
from __future__ import annotations

import hashlib
import io

from PIL import Image

from tests.factories import Api
from tests.housing.helpers import (
    housing_users,
    jpeg_bytes,
    make_house,
    ok,
    pdf_bytes,
    start,
    upload,
)
from tests.web.test_pages import csrf, login
from workflow.cases.models import Case
from workflow.evidence.models import Attachment
from workflow.evidence.operations import storage_path
from workflow.extensions import db


def _case(client, world):
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk", "township")}
    return apis, start(apis, make_house(world.households[0]))


def test_a_file_that_claims_to_be_a_jpeg_but_is_not_is_refused(client, world):
    apis, case_id = _case(client, world)
    before = db.session.get(Case, case_id).version
    html = b"<html><script>alert(1)</script></html>"
    response = upload(apis["clerk"], case_id, "photo_before", html, "house.jpg", "image/jpeg")
    assert response.status_code == 422
    assert "不是有效的图片或 PDF" in response.get_json()["errors"]["file"][0]
    # A real PNG named .jpg, and a PDF declared as a JPEG, are refused too.
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    response = upload(apis["clerk"], case_id, "photo_before", png.getvalue(), "a.jpg",
                      "image/jpeg")
    assert "与扩展名不符" in response.get_json()["errors"]["file"][0]
    response = upload(apis["clerk"], case_id, "photo_before", pdf_bytes(), "a", "image/jpeg")
    assert "声明为JPEG 图片" in response.get_json()["errors"]["file"][0]
    truncated = jpeg_bytes()[:60]
    assert upload(apis["clerk"], case_id, "photo_before", truncated, "t.jpg",
                  "image/jpeg").status_code == 422
    assert db.session.execute(db.select(Attachment)).first() is None
    assert db.session.get(Case, case_id).version == before  # nothing written


def test_uploads_are_hash_named_and_in_the_trail(client, world, app):
    apis, case_id = _case(client, world)
    data = jpeg_bytes()
    body = ok(upload(apis["clerk"], case_id, "photo_before", data, "../../etc/照片.JPG",
                     "image/jpeg"), 201)
    digest = hashlib.sha256(data).hexdigest()
    assert body["sha256"] == digest and body["filename"] == "照片.JPG"
    assert storage_path(digest).read_bytes() == data
    assert app.static_folder not in str(storage_path(digest))
    event = ok(apis["clerk"].get(f"/api/v1/cases/{case_id}/trail"))["events"][-1]
    assert event["action"] == "attach" and event["data"]["sha256"] == digest
    fetched = apis["township"].get(f"/api/v1/cases/{case_id}/evidence/{body['id']}")
    assert fetched.status_code == 200 and fetched.data == data
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_kind_oversize_and_empty_are_refused(client, world, app):
    apis, case_id = _case(client, world)
    response = upload(apis["clerk"], case_id, "selfie", jpeg_bytes(), "a.jpg", "image/jpeg")
    assert "「材料种类」必须是" in response.get_json()["errors"]["kind"][0]
    app.config["UPLOAD_MAX_BYTES"], limit = 1024, app.config["UPLOAD_MAX_BYTES"]
    try:
        big = io.BytesIO()
        Image.effect_noise((200, 200), 64).convert("RGB").save(big, "JPEG", quality=95)
        response = upload(apis["clerk"], case_id, "photo_before", big.getvalue(), "b.jpg",
                          "image/jpeg")
        assert response.status_code == 422 and "超过" in response.get_json()["errors"]["file"][0]
    finally:
        app.config["UPLOAD_MAX_BYTES"] = limit
    response = upload(apis["clerk"], case_id, "photo_before", b"", "e.jpg", "image/jpeg")
    assert response.status_code == 422
    missing = apis["clerk"].client.post(f"/api/v1/cases/{case_id}/evidence",
                                        headers=apis["clerk"].headers, data={"kind": "agreement"})
    assert missing.status_code == 422 and "文件" in missing.get_json()["errors"]["file"][0]


def test_another_townships_user_cannot_fetch_an_attachment(client, world):
    apis, case_id = _case(client, world)
    body = ok(upload(apis["clerk"], case_id, "application_form"), 201)
    url = f"/api/v1/cases/{case_id}/evidence/{body['id']}"
    for name in ("other_township", "other_clerk"):
        assert Api(client, name).get(url).status_code == 404
        assert Api(client, name).get(f"/api/v1/cases/{case_id}/evidence").status_code == 404
    # Nor through another case of their own: the attachment belongs to this case only.
    assert apis["clerk"].get(f"/api/v1/cases/{case_id}/evidence/{body['id'] + 1}"
                             ).status_code == 404


def test_auditor_reads_evidence_but_cannot_upload(client, world):
    apis, case_id = _case(client, world)
    body = ok(upload(apis["clerk"], case_id, "application_form"), 201)
    auditor = Api(client, "auditor")
    assert auditor.get(f"/api/v1/cases/{case_id}/evidence/{body['id']}").status_code == 200
    response = upload(auditor, case_id, "application_form")
    assert response.status_code == 403


def test_browser_upload_needs_csrf_and_shows_errors(client, world):
    housing_users(world)
    apis = {"clerk": Api(client, "clerk")}
    case_id = start(apis, make_house(world.households[0]))
    assert login(client, "clerk").status_code == 302
    token = csrf(client, f"/cases/{case_id}")
    no_token = client.post(f"/cases/{case_id}/evidence", data={
        "kind": "photo_before", "file": (io.BytesIO(jpeg_bytes()), "a.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert no_token.status_code == 400
    bad = client.post(f"/cases/{case_id}/evidence", data={
        "csrf_token": token, "kind": "photo_before",
        "file": (io.BytesIO(b"not an image"), "a.jpg", "image/jpeg")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "上传未成功" in bad.get_data(as_text=True)
    good = client.post(f"/cases/{case_id}/evidence", data={
        "csrf_token": token, "kind": "photo_before",
        "file": (io.BytesIO(jpeg_bytes()), "门前.jpg", "image/jpeg")},
        content_type="multipart/form-data", follow_redirects=True)
    page = good.get_data(as_text=True)
    assert "已上传：门前.jpg" in page and "改造前照片" in page
