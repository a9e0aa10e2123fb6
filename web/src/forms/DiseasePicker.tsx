// Choosing a disease from the master (api.diseases): ~1,100 diseases, so a
// search box narrows the list by name or code. Whether a disease has a
// machine-judged form is the server's `machine_judged`, shown as a label.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { label } from '../api/vocab';
import { Field } from '../ui/Field';
import { diseases, type Disease } from './api';

export function useDiseases() {
  const [list, setList] = useState<Disease[]>([]);
  useEffect(() => { diseases().then(setList, () => setList([])); }, []);
  return list;
}

/** The disease's name from the master, else its code. */
export const diseaseName = (list: Disease[], code: string) => list.find((d) => d.disease_code === code)?.name ?? code;

const SHOWN = 200;

type Props = { id: string; label: string; value: string; onChange: (code: string) => void; required?: boolean;
  /** an "all diseases" choice (search forms) instead of "choose one" */
  any?: boolean; list: Disease[] };

export function DiseasePicker({ id, label: title, value, onChange, required, any, list }: Props) {
  const [q, setQ] = useState('');
  const matches = useMemo(() => {
    const t = q.trim().normalize('NFKC').toUpperCase();
    const hit = list.filter((d) => d.in_force && (!t || d.disease_code.includes(t) || d.name.normalize('NFKC').toUpperCase().includes(t)));
    // the chosen one stays in the list while the search changes
    const chosen = list.find((d) => d.disease_code === value);
    const shown = hit.slice(0, SHOWN);
    return chosen && !shown.includes(chosen) ? [chosen, ...shown] : shown;
  }, [list, q, value]);
  const more = list.filter((d) => d.in_force).length > SHOWN && matches.length >= SHOWN;
  return (
    <div class="disease-picker">
      <Field id={`${id}-search`} label={`${title}を検索（名称・コード）`} hint={more ? `先頭の${SHOWN}件を表示しています。名称やコードで絞り込んでください。` : undefined}>{(a) => (
        <input {...a} type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} autocomplete="off" />)}</Field>
      <Field id={id} label={title} required={required}>{(a) => (
        <select {...a} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          <option value="">{any ? 'すべて' : '（選択してください）'}</option>
          {matches.map((d) => (
            <option value={d.disease_code}>
              {d.name}（{d.disease_code}・{label('Program', d.program)}{d.machine_judged ? '' : '・一般様式'}）
            </option>))}
        </select>)}</Field>
    </div>
  );
}
