// The live check of a form being typed: api.check_form, debounced.
// - typing waits DEBOUNCE_MS after the last keystroke; a choice checks at once;
// - the caller does not schedule while an IME composition is open (isComposing):
//   the check runs when the composition ends;
// - a newer check aborts the one in flight (AbortController), so an old answer
//   never overwrites a newer one.
// Nothing here judges anything: the answer is the server's.
import { db, toApiError, ApiError } from '../api/client';

export const DEBOUNCE_MS = 500;

export type Finding = { item: string | null; code: string; message: string };
export type CheckAnswer = {
  valid?: boolean;
  errors: Finding[];
  warnings: Finding[];
  derived: Record<string, unknown>;
  applicable: Record<string, boolean | null>;
  diagnosis?: { met: boolean | null; category?: string | null; waiting_for?: string[] };
  severity?: { met: boolean | null; autofilled?: Record<string, unknown>; waiting_for?: string[] };
  primary_judgment?: string | null;
  normalized_changes?: Record<string, unknown>;
};
export type CheckFn = (formVersionId: number, data: Record<string, unknown>, signal: AbortSignal) => Promise<CheckAnswer>;

/** POST /rpc/check_form, cancellable. */
export const checkForm: CheckFn = async (formVersionId, data, signal) => {
  const { data: answer, error, status } = await db().rpc('check_form' as any, { form_version_id: formVersionId, data } as any).abortSignal(signal);
  if (error) throw toApiError(error, status);
  return answer as CheckAnswer;
};

export class LiveChecker {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;
  private latest: Record<string, unknown> = {};
  /** How many requests were sent and aborted (for tests and the status line). */
  sent = 0;
  aborted = 0;

  constructor(
    private formVersionId: number,
    private check: CheckFn,
    private onAnswer: (a: CheckAnswer) => void,
    private onError: (e: ApiError) => void = () => {},
    private onBusy: (busy: boolean) => void = () => {},
  ) {}

  /** Data changed: check after the pause, or at once (a choice, a blur). */
  schedule(data: Record<string, unknown>, immediate = false) {
    this.latest = data;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (immediate) this.run();
    else this.timer = setTimeout(() => this.run(), DEBOUNCE_MS);
  }

  /** Check now what was last scheduled. */
  run() {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.inFlight) { this.inFlight.abort(); this.aborted++; }
    const ctl = new AbortController();
    this.inFlight = ctl;
    this.sent++;
    this.onBusy(true);
    this.check(this.formVersionId, this.latest, ctl.signal).then(
      (a) => { if (this.inFlight === ctl) { this.inFlight = null; this.onBusy(false); this.onAnswer(a); } },
      (e) => {
        if (this.inFlight !== ctl) return;          // a newer check replaced it
        this.inFlight = null; this.onBusy(false);
        if ((e as any)?.name === 'AbortError' || ctl.signal.aborted) return;
        this.onError(e instanceof ApiError ? e : new ApiError(String(e?.message ?? e), 'HTTP_0', 0));
      },
    );
  }

  dispose() {
    if (this.timer) clearTimeout(this.timer);
    this.inFlight?.abort();
    this.inFlight = null;
  }
}
