#!/usr/bin/env python3
"""A STAND-IN for the national insurance-history inquiry system
(オンライン資格確認等システムの履歴照会・回答システム). TEST USE ONLY.

This is not the real system and does not imitate its (unpublished) message
format: it plays the peer of this project's own batch file exchange
(docs/insurance-history-link.md) so that the round trip can be tested:

    request file (CSV, UTF-8)  ->  this peer  ->  answer file (CSV, UTF-8)

For each request line it answers
  * ``not_found`` when the insurer number is in NOT_FOUND_INSURERS
    (the test insurer number 99999997: a valid check digit, no such insurer);
  * ``error`` with the peer code ``E-PEER-FORMAT`` when a line has no number;
  * ``found`` otherwise, with a deterministic linkage id: the hex SHA-256
    HMAC, keyed with the peer secret, of the normalised identifiers
    ``insurer_number|symbol|number|branch`` (the real system's ID5 is its
    own hash of the patient's oldest insurance number; this one only has to
    be stable, so that a test can predict it).

Usage:
    insurance_history_peer.py REQUEST.csv ANSWER.csv [--secret S]
or, from Python, ``answer_file(request_text, secret) -> answer_text``.
"""

import argparse
import csv
import hashlib
import hmac
import io
import sys
import unicodedata

DEFAULT_SECRET = "test-peer-secret"
NOT_FOUND_INSURERS = {"99999997"}
ANSWER_HEADER = ["batch_id", "line_no", "status", "linkage_id", "peer_code"]


def normalised(value):
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def linkage_id(insurer_number, symbol, number, branch, secret=DEFAULT_SECRET):
    key = "|".join(normalised(v) for v in (insurer_number, symbol, number, branch))
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def answer_file(request_text, secret=DEFAULT_SECRET):
    """The answer file (text) of a request file (text)."""
    rows = list(csv.DictReader(io.StringIO(request_text.lstrip("\ufeff"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ANSWER_HEADER)
    for r in rows:
        if not normalised(r.get("number")):
            writer.writerow([r["batch_id"], r["line_no"], "error", "", "E-PEER-FORMAT"])
        elif normalised(r["insurer_number"]) in NOT_FOUND_INSURERS:
            writer.writerow([r["batch_id"], r["line_no"], "not_found", "", ""])
        else:
            writer.writerow([r["batch_id"], r["line_no"], "found",
                             linkage_id(r["insurer_number"], r["symbol"], r["number"], r["branch"], secret), ""])
    return out.getvalue()


def main(argv=None):
    p = argparse.ArgumentParser(description="Test stand-in for the insurance-history inquiry system (not the real one).")
    p.add_argument("request")
    p.add_argument("answer")
    p.add_argument("--secret", default=DEFAULT_SECRET)
    a = p.parse_args(argv)
    with open(a.request, encoding="utf-8", newline="") as f:
        text = f.read()
    with open(a.answer, "w", encoding="utf-8", newline="") as f:
        f.write(answer_file(text, a.secret))
    return 0


if __name__ == "__main__":
    sys.exit(main())
