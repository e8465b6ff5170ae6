/**
 * The process `doctor` runs its checks in (see `doctor-isolated.ts`): options and the steps to skip
 * come in environment variables, events go out as JSON lines on stdout. The events are few and the
 * parent reads them as they come, so each write reaches the pipe at once and the step a crash happened
 * in has been reported.
 */
import { describeError } from '../output.js';
import { runChecks } from './doctor.js';
import { DOCTOR_OPTIONS_ENV, DOCTOR_SKIP_ENV, type DoctorEvent } from './doctor-isolated.js';
import type { DoctorRow } from './doctor-row.js';

const emit = (event: DoctorEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const skip = new Set<string>(JSON.parse(process.env[DOCTOR_SKIP_ENV] ?? '[]') as string[]);
try {
  await runChecks(JSON.parse(process.env[DOCTOR_OPTIONS_ENV] ?? '{}'), {
    step(id, label) {
      if (skip.has(id)) return false;
      emit({ step: { id, label } });
      return true;
    },
    row(row: DoctorRow) {
      emit({ row });
    },
  });
  emit({ done: true });
} catch (err) {
  emit({ error: describeError(err) });
}
