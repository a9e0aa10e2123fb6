"""Login rate limits in nginx (issue #18), before the password hash is
computed: per login id (njs reads the id from the body) and per client
address. The refusal is PostgREST-shaped JSON with a Japanese message.
(The database locks an id after 5 failures in a row on top of this:
tests/http/test_accounts.py.)"""

import time
import uuid

from edge_helpers import assert_error

LIMITED = {"code": "54000", "details": "E_RATE_LIMITED"}


def attempt(edge, login_id, form=False):
    if form:
        return edge.post("/api/rpc/login", data={"login_id": login_id, "password": "wrong"})
    return edge.post("/api/rpc/login", json={"login_id": login_id, "password": "wrong"})


def test_a_burst_on_one_login_id_is_limited(edge):
    login_id = f"burst-{uuid.uuid4().hex[:12]}"
    statuses = [attempt(edge, login_id).status_code for _ in range(8)]
    # 1 + a burst of 5 reach the database (401, then its own lock: 403); then
    # nginx refuses (one more may pass if the requests were slow: 6 a minute)
    assert statuses[:4] == [401] * 4, statuses
    assert statuses[-1] == 429 and sum(s != 429 for s in statuses) <= 7, statuses
    r = attempt(edge, login_id)
    body = assert_error(r, 429, "E_RATE_LIMITED")
    assert {k: body[k] for k in LIMITED} == LIMITED
    assert "ログイン" in body["message"]
    # another id is not limited by this one's burst
    assert attempt(edge, f"other-{uuid.uuid4().hex[:12]}").status_code == 401
    time.sleep(1)


def test_a_form_encoded_body_counts_for_its_login_id_too(edge):
    login_id = f"form-{uuid.uuid4().hex[:12]}"
    statuses = [attempt(edge, login_id, form=True).status_code for _ in range(8)]
    assert 429 in statuses and statuses[0] == 401, statuses
    # the same id as JSON shares the bucket
    assert attempt(edge, login_id).status_code == 429
    time.sleep(1)


def test_a_burst_from_one_address_is_limited_whatever_the_ids(edge):
    statuses = [attempt(edge, f"spray-{uuid.uuid4().hex[:12]}").status_code for _ in range(25)]
    assert 401 in statuses and 429 in statuses, statuses
    # at most the burst (10) plus what 2 per second refilled meanwhile reached the database
    assert statuses.count(401) <= 10 + 2 * 10, statuses
    r = attempt(edge, f"spray-{uuid.uuid4().hex[:12]}")
    assert_error(r, 429, "E_RATE_LIMITED")
    # the address's bucket refills (2 a second): wait, so other tests can log in
    time.sleep(6)
    assert attempt(edge, f"later-{uuid.uuid4().hex[:12]}").status_code == 401
