import { typedCheckpoints, zodCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectCode, type Harness } from '../harness.js';

const v1 = z.object({ step: z.number().int(), messages: z.array(z.string()) });
const v2 = z.object({ step: z.number().int(), messages: z.array(z.object({ role: z.string(), text: z.string() })) });
type S1 = z.infer<typeof v1>;

/** SPEC §4: typedCheckpoints over a blob store with zodCodec. */
export function checkpointsTypedSpec(h: Harness): void {
  describe('typed checkpoints', () => {
    it('save validates, load and loadLatest decode to {...info, state}', async () => {
      const store = await h.open();
      const typed = typedCheckpoints(store.checkpoints('typed'), zodCodec(v1));
      const info = await typed.save('t', { step: 1, messages: ['hi'] });
      expect(info.seq).toBe(1);
      const second = await typed.save('t', { step: 2, messages: ['hi', 'there'] }, { metadata: { source: 'loop' } });
      expect(second.parentId).toBe(info.id);
      const loaded = await typed.load(info.id);
      expect(loaded).toMatchObject({ id: info.id, traceId: 't', seq: 1, state: { step: 1, messages: ['hi'] } });
      const latest = await typed.loadLatest('t');
      expect(latest).toMatchObject({ id: second.id, seq: 2, metadata: { source: 'loop' } });
      expect(latest?.state).toEqual({ step: 2, messages: ['hi', 'there'] });
      expect(await typed.loadLatest('none')).toBeUndefined();
      await expectCode(typed.save('t', { step: 'x', messages: [] } as unknown as S1), 'INVALID_VALUE');
      await expectCode(typed.save('t', { step: 1.5, messages: [] }), 'INVALID_VALUE');
      expect(await store.checkpoints('typed').list('t')).toHaveLength(2);
    });

    it('data saved under an older schema that no longer fits fails with DECODE naming the path', async () => {
      const store = await h.open();
      const old = typedCheckpoints(store.checkpoints('typed'), zodCodec(v1));
      const info = await old.save('t', { step: 1, messages: ['hi'] });
      const current = typedCheckpoints(store.checkpoints('typed'), zodCodec(v2));
      const err = await expectCode(current.load(info.id), 'DECODE');
      expect(err.message).toContain('messages');
      await expectCode(current.loadLatest('t'), 'DECODE');
    });
  });
}
