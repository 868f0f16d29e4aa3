/** One conformance check's verdict, as `check` prints it and `--json` emits it. */
export interface CheckResult {
  /** Stable name, e.g. `changed-body-422`. */
  name: string;
  /** True when the backend kept the rule (or the check did not apply: see `skipped`). */
  ok: boolean;
  /** True for the wire contract's musts; false for its shoulds, which are reported only. */
  required: boolean;
  /** What was sent and what came back, in words. */
  evidence: string;
  /**
   * Present (true) when the check did not apply to this run (CORS without
   * `--origin`) or the run could not bring about the case it is about (a key
   * seen running): no verdict either way.
   */
  skipped?: true;
}

/** A verdict for a must. */
export const must = (name: string, ok: boolean, evidence: string): CheckResult => ({ name, ok, required: true, evidence });

/** A verdict for a should. */
export const should = (name: string, ok: boolean, evidence: string): CheckResult => ({ name, ok, required: false, evidence });

/** A check without a verdict in this run; the evidence opens with `lead` ("not run", "not verified"). */
export const skipped = (name: string, why: string, lead = 'not run'): CheckResult => ({ name, ok: true, required: false, evidence: `${lead}: ${why}`, skipped: true });

/** True when every required check passed. */
export const allRequiredPass = (results: readonly CheckResult[]): boolean => results.every((r) => r.ok || !r.required);
