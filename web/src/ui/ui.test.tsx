import { describe, it, expect, afterEach } from 'vitest';
import { render, screen, cleanup } from '@testing-library/preact';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { ApiError, toApiError } from '../api/client';

afterEach(cleanup);

describe('ErrorBox', () => {
  it('shows the Japanese message and the code', () => {
    render(<ErrorBox error={new ApiError('患者の氏名を50文字以内で入力してください。', 'E_PATIENT_NAME', 400)} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('患者の氏名を50文字以内で入力してください。');
    expect(alert.textContent).toContain('E_PATIENT_NAME');
  });
});

describe('toApiError', () => {
  it('takes the stable code from details, else the SQLSTATE', () => {
    expect(toApiError({ code: '22023', details: 'E_EMAIL_INVALID', message: 'メール' }, 400).code).toBe('E_EMAIL_INVALID');
    expect(toApiError({ code: 'PGRST202', details: 'Searched for the function api.x', message: 'Could not find' }, 404).code).toBe('PGRST202');
    expect(toApiError(null, 0).message).toBe('サーバーに接続できません。');
  });
});

describe('Field', () => {
  it('labels the input, marks 「※必須」 and links hint and error by aria-describedby', () => {
    render(<Field id="f-name" label="氏名" required hint="50文字以内" error="患者の氏名を入力してください。">
      {(a) => <input {...a} type="text" />}
    </Field>);
    const input = screen.getByLabelText(/氏名/) as HTMLInputElement;
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('f-name-hint f-name-error');
    expect(document.getElementById('f-name-error')!.textContent).toBe('患者の氏名を入力してください。');
    expect(screen.getByText('※必須')).toBeTruthy();
  });
  it('has no aria-describedby without hint or error', () => {
    render(<Field id="f-x" label="メール">{(a) => <input {...a} type="email" />}</Field>);
    expect(screen.getByLabelText('メール').hasAttribute('aria-describedby')).toBe(false);
  });
});
