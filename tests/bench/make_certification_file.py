"""The files of the certification-import benchmark (C3): from the keys of
tests/bench/certification_setup.sql (form_id,access_key CSV) writes
  results.csv       the certification system's file (every row granted, by access key), UTF-8
  results-sjis.csv  the same in Shift_JIS with Japanese labels, each row with the next
                    income tier (so that every row changes)
  copy.csv          the same rows as app.certifications rows, for COPY
usage: make_certification_file.py KEYS.csv OUT_DIR STAFF_ACCOUNT_ID"""

import csv
import datetime
import sys


def check_digit(digits):
    total = 0
    for i, d in enumerate(reversed(digits)):
        p = int(d) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return str((10 - total % 10) % 10)


keys_file, out, staff = sys.argv[1], sys.argv[2], sys.argv[3]
today = datetime.date.today()
received = today - datetime.timedelta(days=5)
start = today - datetime.timedelta(days=20)
until = start.replace(year=start.year + 1) - datetime.timedelta(days=1)
payer = "5413001" + check_digit("5413001")
tiers = [("welfare", "生活保護", 0), ("low1", "低所得Ⅰ", 2500), ("low2", "低所得Ⅱ", 5000),
         ("general1", "一般所得Ⅰ", 10000), ("general2", "一般所得Ⅱ", 20000), ("upper", "上位所得", 30000)]
header = ["access_key", "outcome", "recipient_number", "public_payer_number", "application_received_on",
          "valid_from", "valid_until", "income_tier", "special_case"]
with open(keys_file, newline="") as k, \
        open(f"{out}/results.csv", "w", newline="", encoding="utf-8") as u, \
        open(f"{out}/results-sjis.csv", "w", newline="", encoding="cp932") as s, \
        open(f"{out}/copy.csv", "w", newline="", encoding="utf-8") as c:
    uw, sw, cw = csv.writer(u), csv.writer(s), csv.writer(c)
    uw.writerow(header)
    sw.writerow(header)
    for n, (form_id, key) in enumerate(csv.reader(k)):
        body = f"{n % 1000000:06d}"
        recipient = body + check_digit(body)
        code, label, cap = tiers[n % len(tiers)]
        uw.writerow([key, "granted", recipient, payer, received, start, until, code, "none"])
        sw.writerow([key, "認定", recipient, payer, received, start, until, tiers[(n + 1) % len(tiers)][1], "該当なし"])
        cw.writerow([form_id, "nanbyo", "granted", recipient, payer, received, start, until, code, "none", cap, staff])
