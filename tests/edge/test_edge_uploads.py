"""Bulk uploads through nginx (issue #18): a hospital system may send its
file as `Content-Type: application/xml`, which PostgREST 12.0.2 itself
refuses; nginx passes it on as text/xml, which the functions take."""

import pytest

from helpers import bearer
from test_bulk_import import file_for, hospital  # noqa: F401 (fixture)


@pytest.mark.parametrize("content_type", ["application/xml", "application/xml; charset=utf-8", "text/xml"])
def test_an_application_xml_upload_is_accepted(edge, hospital, content_type):  # noqa: F811
    body = file_for(hospital, "valid.xml").encode("utf-8")
    r = edge.post("/api/rpc/check_forms_xml", data=body,
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": content_type})
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["forms"], report["accepted"], report["rejected"]) == (2, 2, 0)


def test_an_application_xml_import_stores_the_forms(edge, hospital, sql):  # noqa: F811
    body = file_for(hospital, "valid.xml").encode("utf-8")
    r = edge.post("/api/rpc/import_forms_xml", data=body,
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "application/xml"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    assert sql(f"SELECT count(*) FROM app.forms WHERE hospital_id = {hospital['hospital_id']}") == "2"


def test_other_calls_keep_their_content_type(edge, hospital):  # noqa: F811
    # application/xml is rewritten for the uploads only: elsewhere PostgREST still decides
    r = edge.post("/api/rpc/search_patients", data=b"<x/>",
                  headers={**bearer(hospital["doctor_token"]), "Content-Type": "application/xml"})
    assert r.status_code == 415 or r.status_code == 400, r.text
