import type { ComponentChildren } from 'preact';

let seq = 0;
export const uid = (p: string) => `${p}-${++seq}`;

type Props = {
  id: string;
  label: string;
  required?: boolean;
  hint?: string;
  error?: string | null;
  children: (aria: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean; required?: boolean }) => ComponentChildren;
};

/** A labelled field: 「※必須」 as text, the hint and the error linked by aria-describedby. */
export function Field({ id, label, required, hint, error, children }: Props) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>
        {label}
        {required && <span class="required">※必須</span>}
      </label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {children({ id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined, required })}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}
