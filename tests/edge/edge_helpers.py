"""What the edge tests check again and again."""

WEB = {"X-Requested-With": "nanbyo-web"}


def assert_error(response, status, code):
    """An error answer in the shape of PostgREST's: JSON with a Japanese
    message and the stable code in `details`, and one X-Request-Id."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details", "hint"}, body
    assert body["details"] == code, body
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    assert len(response.raw.headers.getlist("X-Request-Id")) == 1
    return body
