"""Writes the benchmark's bulk-registration file and the same rows as CSV.

    python3 make_bulk_file.py N OUT_DIR PREFIX HOSPITAL_ID DOCTOR_ID VERSION_ID

OUT_DIR/forms.xml: N complete Parkinson's disease drafts of hospital
1310123455 for the doctor B-1, each a different patient, with external ids
PREFIX-0000001…. OUT_DIR/patients.csv, forms.csv, form_personal.csv,
form_imports.csv: the rows the import writes for them, for the COPY
baseline (form and patient ids from 1: load into empty tables).
"""

import csv
import json
import sys
from pathlib import Path

n = int(sys.argv[1])
out = Path(sys.argv[2])
prefix = sys.argv[3]
hospital_id, doctor_id, version_id = sys.argv[4:7]
kana = "アイウエオカキクケコサシスセソタチツテト"

with open(out / "forms.xml", "w", encoding="utf-8") as x, \
        open(out / "patients.csv", "w", newline="", encoding="utf-8") as pf, \
        open(out / "forms.csv", "w", newline="", encoding="utf-8") as ff, \
        open(out / "form_personal.csv", "w", newline="", encoding="utf-8") as pp, \
        open(out / "form_imports.csv", "w", newline="", encoding="utf-8") as fi:
    patients, forms, personal, imports = (csv.writer(f) for f in (pf, ff, pp, fi))
    x.write('<?xml version="1.0" encoding="UTF-8"?>\n<nanbyo-forms xmlns="urn:nanbyo-db:bulk:1">\n')
    x.write('  <header hospital="1310123455" doctor="B-1" generated-at="2026-11-24T10:00:00+09:00"/>\n')
    for i in range(1, n + 1):
        name = f"患者 {i}"
        name_kana = "カンジャ " + "".join(kana[int(d)] for d in str(i))
        birth = f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        sex = "1" if i % 2 else "2"
        address = f"東京都千代田区千代田{i}"
        hy, lf = 3 + i % 3, 2 + i % 2
        x.write(f'  <form external-id="{prefix}-{i:07d}" disease="N006" version="令和6年4月1日改訂版" purpose="renewal" '
                f'consent-db-registration="true">\n'
                f'    <patient><name>{name}</name><name-kana>{name_kana}</name-kana><birth-date>{birth}</birth-date>'
                f'<sex>{sex}</sex><address>{address}</address></patient>\n'
                f'    <item id="entry_date">2026-11-20</item><item id="medical_institution_code">1310123455</item>'
                f'<item id="medical_institution_name">ベンチ病院</item><item id="doctor_name">ベンチ 医師</item>'
                f'<item id="consent_db_registration">true</item>\n'
                f'    <item id="parkinsonism">true</item><item id="imaging_no_abnormality">true</item>'
                f'<item id="no_drug_toxin_exposure">true</item><item id="antiparkinson_response">true</item>'
                f'<item id="hoehn_yahr">{hy}</item><item id="life_function_grade">{lf}</item>\n  </form>\n')
        clinical = {"entry_date": "2026-11-20", "medical_institution_code": "1310123455",
                    "medical_institution_name": "ベンチ病院", "doctor_name": "ベンチ 医師",
                    "consent_db_registration": True, "application_type": "renewal", "parkinsonism": True,
                    "imaging_no_abnormality": True, "no_drug_toxin_exposure": True, "antiparkinson_response": True,
                    "hoehn_yahr": hy, "life_function_grade": lf}
        block = {"patient_name": name, "patient_name_kana": name_kana, "patient_birth_date": birth,
                 "patient_sex": sex, "patient_address": address}
        patients.writerow([hospital_id, name, name_kana, birth, sex, address, doctor_id])
        forms.writerow([i, version_id, "N006", "nanbyo", hospital_id, doctor_id, doctor_id, "renewal", "true", 2026,
                        json.dumps(clinical, ensure_ascii=False)])
        personal.writerow([i, 2026, json.dumps(block, ensure_ascii=False)])
        imports.writerow([hospital_id, f"{prefix}-{i:07d}", i, doctor_id])
    x.write("</nanbyo-forms>\n")
