/** One row of the doctor table. */
export interface DoctorRow {
  readonly target: string;
  /** `WARN` is a limitation worth knowing (e.g. LMDB's stock engine), not a fault: it does not set exit 3. */
  readonly status: 'ok' | 'WARN' | 'FAULT';
  readonly detail: string;
}
