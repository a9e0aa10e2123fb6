"""Body limits per route, before the body is read (issue #18): 1 MiB for
JSON calls; the bulk uploads get the import limit only when the request
carries credentials. An oversized anonymous body is refused at once, from
its Content-Length, without nginx or PostgREST reading it."""

import socket
import ssl
import time
from urllib.parse import urlparse

import pytest

from edge_helpers import WEB, assert_error
from helpers import add_account, bearer, new_world, token_of

MIB = 1024 * 1024


@pytest.fixture()
def clerk_token(http, sql):
    w = new_world(sql)
    clerk = add_account(sql, "clerk", w["hospital_id"])
    return token_of(http, clerk["login_id"])  # straight from PostgREST


def head_only(edge_url, edge_ca, path, content_length, extra=""):
    """Sends only the request head of a POST announcing `content_length`
    bytes, and answers (seconds until the answer, the answer's head and body)."""
    url = urlparse(edge_url)
    context = ssl.create_default_context(cafile=edge_ca)
    started = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=url.hostname) as tls:
            tls.sendall((f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: text/xml\r\n"
                         f"Content-Length: {content_length}\r\n{extra}Connection: close\r\n\r\n").encode())
            tls.sendall(b"<" * 1024)  # the start of a body that never comes
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = tls.recv(65536)
                if not chunk:
                    break
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return time.monotonic() - started, head.decode(), body.decode()


def test_a_400_mb_anonymous_upload_is_refused_at_once_without_reading_it(edge_url, edge_ca):
    seconds, head, body = head_only(edge_url, edge_ca, "/api/rpc/import_forms_xml", 400_000_000)
    assert head.startswith("HTTP/1.1 413"), head
    assert seconds < 2, seconds  # nothing waited for the 400 MB
    assert '"details":"E_BODY_TOO_LARGE"' in body
    assert "x-request-id:" in head.lower()


def test_an_oversized_json_call_is_refused_even_with_credentials(edge, clerk_token):
    r = edge.post("/api/rpc/search_patients", data=b'{"name_kana": "' + b"a" * (MIB + 10) + b'"}',
                  headers={**bearer(clerk_token), "Content-Type": "application/json"})
    body = assert_error(r, 413, "E_BODY_TOO_LARGE")
    assert body["code"] == "54000"


def test_a_json_call_up_to_one_mib_goes_through(edge, clerk_token):
    r = edge.post("/api/rpc/search_patients", data=b'{"name_kana": "' + b"a" * (MIB - 100) + b'"}',
                  headers={**bearer(clerk_token), "Content-Type": "application/json"})
    assert r.status_code != 413, r.text


@pytest.mark.parametrize("call", ["import_forms_xml", "check_forms_xml", "issue_accounts_from_csv"])
def test_the_upload_routes_take_more_than_one_mib_only_with_credentials(edge, clerk_token, call):
    body = b"x" * (2 * MIB)
    anonymous = edge.post(f"/api/rpc/{call}", data=body, headers={"Content-Type": "text/plain"})
    assert_error(anonymous, 413, "E_BODY_TOO_LARGE")
    with_token = edge.post(f"/api/rpc/{call}", data=body, headers={**bearer(clerk_token), "Content-Type": "text/plain"})
    # past nginx: the database answers (a clerk may not issue accounts; the XML is not XML)
    assert with_token.status_code in (400, 403), with_token.text
    assert with_token.json()["details"] != "E_BODY_TOO_LARGE"


def test_a_paper_scan_upload_takes_more_than_one_mib_only_with_credentials(edge, clerk_token):
    # C4: a scan is up to 20 MiB, sent base64 in JSON
    body = (b'{"program": "nanbyo", "fiscal_year": 2026, "file": {"name": "a.pdf", "content_base64": "'
            + b"A" * (2 * MIB) + b'"}}')
    anonymous = edge.post("/api/rpc/upload_paper_scan", data=body, headers={"Content-Type": "application/json"})
    assert_error(anonymous, 413, "E_BODY_TOO_LARGE")
    with_token = edge.post("/api/rpc/upload_paper_scan", data=body,
                           headers={**bearer(clerk_token), "Content-Type": "application/json"})
    # past nginx: the database answers (a clerk does not upload scans)
    assert_error(with_token, 403, "E_ROLE_NOT_ALLOWED")


def test_the_import_limit_also_applies_to_a_browser_session(edge, clerk_token):
    edge.cookies.set("nanbyo_session", clerk_token, domain="127.0.0.1", path="/api/")
    r = edge.post("/api/rpc/check_forms_xml", data=b"x" * (2 * MIB), headers={**WEB, "Content-Type": "text/plain"})
    assert r.status_code == 400, r.text  # the database's answer: not XML


def test_the_import_limit_is_read_from_content_length_too(edge_url, edge_ca, clerk_token):
    seconds, head, body = head_only(edge_url, edge_ca, "/api/rpc/import_forms_xml", 600 * MIB,
                                    extra=f"Authorization: Bearer {clerk_token}\r\n")
    assert head.startswith("HTTP/1.1 413"), head
    assert seconds < 2


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit_too(edge):
    def chunks():
        for _ in range(4):
            yield b"a" * (MIB // 2 + 1)

    r = edge.post("/api/rpc/health", data=chunks(), headers={"Content-Type": "application/json"})
    assert_error(r, 413, "E_BODY_TOO_LARGE")
