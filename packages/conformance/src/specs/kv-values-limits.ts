import { rawCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

/** SPEC §3: `maxValueBytes` is checked before anything is written, for kv values and checkpoint data. */
export function kvValuesLimitsSpec(h: Harness): void {
  describe('value size limits', () => {
    it('maxValueBytes rejects VALUE_TOO_LARGE before any write', async () => {
      const store = await h.open({ domains: { small: { maxValueBytes: 1024 } } });
      const kv = store.kv<unknown>('small');
      await kv.put('fits', 'x'.repeat(500));
      await expectCode(kv.put('big', 'x'.repeat(2000)), 'VALUE_TOO_LARGE');
      await expectCode(kv.put('fits', 'y'.repeat(2000)), 'VALUE_TOO_LARGE');
      expect(await kv.has('big')).toBe(false);
      expect(await kv.get('fits')).toBe('x'.repeat(500));
      const raw = store.kv<Uint8Array>('small', { codec: rawCodec });
      await expectCode(raw.put('bigraw', new Uint8Array(1025)), 'VALUE_TOO_LARGE');
      await raw.put('rawfits', new Uint8Array(1000));
      expect(await raw.has('bigraw')).toBe(false);
    });

    it('maxValueBytes covers checkpoint data', async () => {
      const store = await h.open({ domains: { smallcp: { maxValueBytes: 1024 } } });
      const cp = store.checkpoints('smallcp');
      await expectCode(cp.save('t', { data: bytes(4096) }), 'VALUE_TOO_LARGE');
      expect(await cp.list('t')).toEqual([]);
      expect(await cp.loadLatest('t')).toBeUndefined();
      const ok = await cp.save('t', { data: bytes(100) });
      expect(ok.seq).toBe(1);
    });

    it('the default limit accepts a value of a few MiB', async () => {
      const kv = (await h.open()).kv<Uint8Array>('mib', { codec: rawCodec });
      const big = bytes(3 * 1024 * 1024, 7);
      await kv.put('big', big);
      const back = await kv.get('big');
      expect(back?.length).toBe(big.length);
      expect(back?.[12345]).toBe(big[12345]);
    });
  });
}
