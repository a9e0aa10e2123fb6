#!/usr/bin/env python3
"""Make sql/master/data/diseases_nanbyo.csv and diseases_shoman.csv from the
Nanbyo Disease Ontology (NANDO, DBCLS, CC BY 4.0) plus the later additions
and renames that NANDO does not have yet (each with its own source below).

    python3 sql/master/data/extract_from_nando.py path/to/nando.ttl

The ttl is results/nando.ttl of https://github.com/aidrd/nando at commit
9af59ee203fabf7ca479a9a30e972d44124f1843 (2024-07-23). Run once per new
release of the lists; then sql/master/make_diseases_sql.py. docs/disease-master.md
says what is in the files and what is missing.
"""
import collections
import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NANDO = ('NANDO (Nanbyo Disease Ontology, DBCLS, CC BY 4.0) github.com/aidrd/nando '
         'results/nando.ttl @9af59ee (2024-07-23)')

# The dates from which the nanbyō numbers are in force (first day of the
# subsidy), by the last number of each batch. docs/disease-master.md says
# which are confirmed by which source.
NANBYO_BATCHES = [(110, '2015-01-01'), (306, '2015-07-01'), (330, '2017-04-01'), (331, '2018-04-01'),
                  (333, '2019-07-01'), (338, '2021-11-01'), (341, '2024-04-01'), (348, '2025-04-01')]

# Not in NANDO's release: the 指定難病 from 2024-04-01 and 2025-04-01.
LATER = [
    (339, 'MECP2重複症候群', '難病情報センター https://www.nanbyou.or.jp/entry/28598 (指定難病339)'),
    (340, '線毛機能不全症候群（カルタゲナー症候群を含む。）', '難病情報センター https://www.nanbyou.or.jp/entry/28600 (指定難病340)'),
    (341, 'TRPV4異常症', '難病情報センター https://nanbyou.or.jp/entry/28603 (指定難病341)'),
] + [(n, name, '厚生科学審議会疾病対策部会指定難病検討委員会 第61回 (令和6年10月31日) 資料2-2 '
                '(https://www.mhlw.go.jp/stf/newpage_44776.html); 令和7年4月1日施行 (https://nanbyonet.info/archives/2527)')
     for n, name in [(342, 'LMNB1関連大脳白質脳症'), (343, 'PURA関連神経発達異常症'),
                     (344, '極長鎖アシル-CoA脱水素酵素欠損症'), (345, '乳児発症STING関連血管炎'),
                     (346, '原発性肝外門脈閉塞症'), (347, '出血性線溶異常症'), (348, 'ロウ症候群')]]

# 告示病名の変更, 2025-04-01 (same source as the 2025 additions, 資料2-1).
RENAMED = {63: ('免疫性血小板減少症', '特発性血小板減少性紫斑病'),
           154: ('睡眠時棘徐波活性化を示す発達性てんかん性脳症及びてんかん性脳症',
                 '徐波睡眠期持続性棘徐波を示すてんかん性脳症')}
RENAME_SOURCE = ('指定難病検討委員会 第61回 資料2-1 告示病名の変更 (令和7年4月1日); '
                 'https://nanbyonet.info/archives/2527')


def classes(ttl: str) -> dict:
    out = {}
    for block in re.split(r'\n\n(?=<http://nanbyodata.jp/ontology/NANDO_)', ttl):
        m = re.match(r'<http://nanbyodata.jp/ontology/NANDO_(\d+)>', block)
        if not m:
            continue
        num = re.search(r'nando:hasNotificationNumber "(\d+)"', block)
        pref = re.search(r'skos:prefLabel "([^"]*)"@ja', block)
        sub = re.findall(r'rdfs:subClassOf ([^;]*);', block)
        out[m.group(1)] = {
            'id': m.group(1), 'num': int(num.group(1)) if num else None,
            'name': pref.group(1) if pref else None,
            'parents': re.findall(r'NANDO_(\d+)>', sub[0]) if sub else [],
            'deprecated': 'owl:deprecated true' in block,
            'shouman': re.findall(r'https://www\.shouman\.jp/disease/details/[0-9_]+/', block),
        }
    return out


def main(ttl_path: str) -> None:
    c = classes(Path(ttl_path).read_text(encoding='utf-8'))
    groups = sorted(k for k in c if '2000001' in c[k]['parents'])   # 小児慢性特定疾病 → 16 groups
    gcode = {k: '%02d' % i for i, k in enumerate(groups, 1)}
    nanbyo_categories = {k for k in c if '1000001' in c[k]['parents']}

    def ancestors(i, seen):
        for p in c[i]['parents']:
            if p in c and p not in seen:
                seen.add(p)
                ancestors(p, seen)
        return seen

    nan, sho = collections.defaultdict(list), collections.defaultdict(list)
    for x in c.values():
        if x['num'] is None or x['deprecated']:
            continue
        a = ancestors(x['id'], set())
        if '1000001' in a:
            nan[x['num']].append(x)
        elif '2000001' in a:
            sho[(gcode[next(g for g in a if g in gcode)], x['num'])].append(x)

    def top(xs):
        ids = {x['id'] for x in xs}
        return [x for x in xs if not any(p in ids for p in x['parents'])]

    def since(n):
        return next(d for last, d in NANBYO_BATCHES if n <= last)

    rows, skipped = [], []
    for n in sorted(nan):
        t = [x for x in nan[n] if any(p in nanbyo_categories for p in x['parents'])] or top(nan[n])
        assert len(t) == 1, (n, [x['name'] for x in t])
        name, source = t[0]['name'], f"{NANDO} NANDO:{t[0]['id']}"
        if n in RENAMED:
            name, old = RENAMED[n]
            source = f"{RENAME_SOURCE} (旧名称: {old}); {source}"
        rows.append(['nanbyo', 'N%03d' % n, n, name, '', since(n), '', source])
    for n, name, source in LATER:
        rows.append(['nanbyo', 'N%03d' % n, n, name, '', since(n), '', source])
    with open(HERE / 'diseases_nanbyo.csv', 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['program', 'disease_code', 'notice_number', 'name', 'disease_group_code',
                    'effective_from', 'effective_until', 'source'])
        w.writerows(rows)

    rows = []
    for (g, n) in sorted(sho):
        t = top(sho[(g, n)])
        if len(t) != 1:
            skipped.append((g, n, 'NANDO has several classes', ' / '.join(x['name'] for x in t)))
            continue
        url = (t[0]['shouman'] or [''])[0]
        # the number in 2 digits, or 3 from No.100 (group 08 has 139)
        rows.append(['shoman', 'S%s%02d' % (g, n), n, t[0]['name'], g, '', '',
                     f"{NANDO} NANDO:{t[0]['id']} {url}".strip()])
    with open(HERE / 'diseases_shoman.csv', 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['program', 'disease_code', 'notice_number', 'name', 'disease_group_code',
                    'effective_from', 'effective_until', 'source'])
        w.writerows(rows)
    for s in skipped:
        print('skipped shoman group %s No.%d (%s): %s' % s)


if __name__ == '__main__':
    main(sys.argv[1])
