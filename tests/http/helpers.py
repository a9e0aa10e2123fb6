"""Worlds the HTTP tests build for themselves, and logging in.

A world is a municipality running both programs, a hospital whose IDs it
issues, and accounts made directly in the database, already enrolled:
password PASSWORD, key file content KEY-<login id>. Codes are random, so
tests do not depend on each other or on the order they run in.
"""

import json
import random

PASSWORD = "World-Pass-2026!"


def new_world(sql, prefecture="13"):
    # 500000 and up: never a real body of the implementing-bodies master (01–47)
    municipality_code = f"{random.randrange(500000, 999999)}"
    middle = f"{random.randrange(0, 999999):06d}"
    out = sql(f"""
        WITH m AS (
          INSERT INTO app.organisations (kind, code, name, prefecture_code, municipality_kind, runs_nanbyo, runs_shoman)
          VALUES ('municipality', '{municipality_code}', 'テスト県{municipality_code}', '{prefecture}', 'prefecture', true, true)
          RETURNING id, code),
        h AS (
          INSERT INTO app.organisations (kind, code, name, prefecture_code, nanbyo_authority_id, shoman_authority_id)
          SELECT 'hospital', c, 'テスト病院' || c, '{prefecture}', m.id, m.id
            FROM m, (SELECT '{prefecture}1{middle}' || d AS c FROM generate_series(0, 9) d) codes
           WHERE nanbyo.valid_medical_institution_code(c)
             AND NOT EXISTS (SELECT FROM app.organisations WHERE code = c)
           LIMIT 1
          RETURNING id, code)
        SELECT json_build_object('municipality_id', m.id, 'municipality_code', m.code,
                                 'hospital_id', h.id, 'hospital_code', h.code)
          FROM m, h
    """)
    world = json.loads(out)
    admin = add_account(sql, "municipality_admin", world["municipality_id"])
    world.update(admin_id=admin["id"], admin_login=admin["login_id"])
    return world


def add_account(sql, role, organisation_id, program=None, doctor_kind="designated", admin=False):
    """An enrolled account of `role` at `organisation_id` (a doctor when
    `program` is given)."""
    doctor = program is not None
    registry = random.randrange(1000000, 9999999)
    out = sql(f"""
        WITH seq AS (
          UPDATE app.organisations SET next_account_seq = next_account_seq + 1
           WHERE id = {organisation_id}
          RETURNING code || '-' || lpad((next_account_seq - 1)::text, 4, '0') AS login_id)
        INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash,
                                  password_must_change, key_hash, is_hospital_admin, program, doctor_kind,
                                  medical_registry_number, designated_doctor_number, designation_expires_on)
        SELECT seq.login_id, '{role}', {organisation_id}, 'テスト {role}', 'テスト',
               nanbyo.hash_password('{PASSWORD}'), false, app.key_hash('KEY-' || seq.login_id),
               {str(admin).lower()},
               {f"'{program}'" if doctor else 'NULL'}, {f"'{doctor_kind}'" if doctor else 'NULL'},
               {f"'{registry}'" if doctor else 'NULL'}, {f"'D{registry}'" if doctor else 'NULL'},
               {"current_date + 365" if doctor else 'NULL'}
          FROM seq
        RETURNING json_build_object('id', id, 'login_id', login_id)
    """)
    return json.loads(out)


def login(http, login_id, password=PASSWORD, key=None):
    body = {"login_id": login_id, "password": password}
    if key is not None:
        body["key"] = key
    return http.post("/rpc/login", json=body)


def token_of(http, login_id, password=PASSWORD, key=None):
    r = login(http, login_id, password, key if key is not None else f"KEY-{login_id}")
    assert r.status_code == 200, r.text
    return r.json()["token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
