"""Prints, one `ROLE TOKEN` line each, the JWTs of the accounts the contract
test (.ci/contract-test.sh) calls the API as, so that their calls read real
rows: a doctor (hospital admin) of a new hospital with a patient and a draft
form, a hospital admin who is not a doctor at the same hospital, a staff
member of the municipality that issues the hospital's ids, and an operator
staff member. Uses the worlds of the HTTP tests."""

import os
import random
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "http"))
from helpers import add_account, bearer, new_world, token_of  # noqa: E402


def sql(statement: str) -> str:
    out = subprocess.run([os.environ["NANBYO_CLUSTER_SCRIPT"], "psql", os.environ["NANBYO_RUN_DIR"],
                          os.environ["NANBYO_PG_PORT"], "-Atq", "-c", statement],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Client(requests.Session):
    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, os.environ["NANBYO_API_URL"] + url, *args, **kwargs)


http = Client()
world = new_world(sql)
doctor = add_account(sql, "doctor", world["hospital_id"], program="nanbyo", admin=True)
token = token_of(http, doctor["login_id"])
r = http.post("/rpc/register_patient", headers=bearer(token), json={
    "name": "契約 太郎", "name_kana": "ケイヤク タロウ", "birth_date": "1960-05-01", "sex": "1",
    "address": "東京都千代田区千代田1-1", "postal_code": "100-0001"})
assert r.status_code == 200, r.text
r = http.post("/rpc/create_form", headers=bearer(token),
              json={"patient_id": r.json()["id"], "disease_code": "N006", "purpose": "renewal"})
assert r.status_code == 200, r.text
operator_org = sql(f"""INSERT INTO app.organisations (kind, code, name)
    VALUES ('operator', 'O{random.randrange(10**7)}', '運営主体') RETURNING id""")
for role, organisation in [("doctor", None), ("hospital_admin", world["hospital_id"]),
                           ("municipality_staff", world["municipality_id"]), ("operator_staff", operator_org)]:
    if organisation is None:
        print(role, token)
    else:
        account = add_account(sql, role, organisation, admin=role == "hospital_admin")
        print(role, token_of(http, account["login_id"]))
