#!/usr/bin/env python3
"""Verifies nanbyo-db's audit-log hash chain from two CSV exports, without
any code of nanbyo-db (docs/audit-log.md): only the format below.

    psql -XAt -c "\\copy (SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\\"T\\"HH24:MI:SS.US\\"Z\\"'),
        request_id, actor_account_id, actor_login_id, actor_role, actor_organisation_id, action, outcome,
        target_kind, target_id, detail, api_token_id FROM app.audit_log) TO 'log.csv' CSV FORCE QUOTE *"
    psql -XAt -c "\\copy (SELECT seq, audit_id, encode(entry_hash, 'hex'), encode(chain_hash, 'hex')
        FROM app.audit_chain ORDER BY seq) TO 'chain.csv' CSV"
    python3 verify_audit_chain.py log.csv chain.csv [LAST_CHAIN_HASH_YOU_KEPT]

A NULL is an unquoted empty field (FORCE QUOTE * quotes every non-NULL
value, so an empty text stays distinguishable). Prints the first broken
link, or OK with the number of links and the last chain_hash.
"""
import csv
import hashlib
import json
import sys


def canonical(fields):
    # a JSON array of 13 strings or nulls, as PostgreSQL writes a jsonb array:
    # ", " between elements, non-ASCII as is, \" \\ \b \f \n \r \t and \u00XX escapes
    return json.dumps(fields, ensure_ascii=False, separators=(", ", ": "))


def read_log(path):
    entries = {}
    # csv.reader cannot tell NULL (unquoted empty) from "" (quoted empty): read quoting ourselves
    with open(path, newline="", encoding="utf-8") as f:
        data = f.read()
    fields, field, quoted, in_quotes, i, row = [], [], False, False, 0, []
    while i < len(data):
        c = data[i]
        if in_quotes:
            if c == '"':
                if i + 1 < len(data) and data[i + 1] == '"':
                    field.append('"'); i += 1
                else:
                    in_quotes = False
            else:
                field.append(c)
        elif c == '"':
            in_quotes = quoted = True
        elif c == ',' or c == '\n':
            row.append("".join(field) if quoted else None)
            field, quoted = [], False
            if c == '\n':
                entries[int(row[0])] = row
                row = []
        else:
            field.append(c)
        i += 1
    return entries


def main():
    log = read_log(sys.argv[1])
    kept = sys.argv[3] if len(sys.argv) > 3 else None
    previous = bytes(32)
    expected_seq = 1
    with open(sys.argv[2], newline="") as f:
        for seq, audit_id, entry_hash, chain_hash in csv.reader(f):
            seq = int(seq)
            if seq != expected_seq:
                return print(f"BROKEN at seq {expected_seq}: missing_link")
            entry = log.get(int(audit_id))
            if entry is None:
                return print(f"BROKEN at seq {seq} (entry {audit_id}): missing_entry")
            if hashlib.sha256(canonical(entry).encode()).hexdigest() != entry_hash:
                return print(f"BROKEN at seq {seq} (entry {audit_id}): changed_entry")
            chained = hashlib.sha256(previous + bytes.fromhex(entry_hash)).digest()
            if chained.hex() != chain_hash:
                return print(f"BROKEN at seq {seq} (entry {audit_id}): broken_chain")
            previous, expected_seq = chained, seq + 1
    if kept and kept not in {previous.hex()}:
        print(f"note: the chain_hash you kept ({kept}) is not the last one; search it in chain.csv")
    print(f"OK: {expected_seq - 1} links, last chain_hash {previous.hex()}")


if __name__ == "__main__":
    main()
