/** What the crash writer writes where, shared by the writer and the parent that verifies it. */
import type { Key } from '@agentstore/core';
import type { Message } from '../harness/protocol.js';

/**
 * The domains of the crash test: one per kind of write, and one for the negative control's puts
 * (acknowledged before they are written, so a kill can leave them missing: the harness must see it).
 */
export const CRASH_DOMAINS = { checkpoints: 'crash_cp', kv: 'crash_kv', counters: 'crash_ctr', control: 'crash_ctl' } as const;

/** Every writer of every round saves on this one trace, so seq assignment is contended. */
export const CRASH_TRACE = 'crash-trace';

/** Key of a kv put: unique per writer, round and put. */
export function kvKey(writer: number, round: number, n: number): [string, number, number, number] {
  return ['put', writer, round, n];
}

/** Key of a writer's own counter, or of the counter all writers share. */
export function counterKey(writer: number | 'all'): Key {
  return ['ctr', String(writer)];
}

/** An acknowledgement printed by the crash writer after the write resolved. */
export type CrashAck =
  | { t: 'cp'; id: string; seq: number; size: number; sha: string }
  | { t: 'kv'; key: [string, number, number, number]; size: number; sha: string }
  | { t: 'ctr'; own: number; shared: number }
  /** Negative control: printed *before* the put it names was made. */
  | { t: 'ctl'; key: [string, number, number, number]; size: number; sha: string };

/** Narrows a protocol message to a crash acknowledgement. */
export function isCrashAck(message: Message): message is Message & CrashAck {
  return message.t === 'cp' || message.t === 'kv' || message.t === 'ctr' || message.t === 'ctl';
}
