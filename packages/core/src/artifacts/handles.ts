import { StoreError } from '../errors.js';
import { type ArtifactContext, guard, storeBlob } from './artifact-context.js';
import { decodeReservation, encodeReservation, type PublishRecord, reservationKey } from './artifact-layout.js';
import { streamIn } from './artifact-stream.js';
import type { ArtifactTx } from './artifact-tx.js';
import { checkExternalInput, requireFile, resolveExternal, unlinkOwned } from './external-file.js';
import { OWNER } from './owner.js';
import type { ArtifactLease, ArtifactPutOptions, ArtifactReservation, ArtifactStat, ExternalFileSpec, PrelinkOptions } from './types.js';
import { assertBytes, assertFits, checkPutOptions, metaOf, ttlOf } from './validate.js';

/** A lease returned by `checkout`: its record lives in the blob's entry. */
export class LeaseHandle implements ArtifactLease {
  readonly key: string;
  readonly id: string;
  readonly size: number;
  #expiresAt: number;
  readonly #ac: ArtifactContext;

  constructor(ac: ArtifactContext, key: string, id: string, expiresAt: number, size: number) {
    this.#ac = ac;
    this.key = key;
    this.id = id;
    this.#expiresAt = expiresAt;
    this.size = size;
  }

  get expiresAt(): number {
    return this.#expiresAt;
  }

  release(): Promise<boolean> {
    return guard(async () =>
      this.#ac.write(await this.#ac.writable(), (at) => {
        const e = at.entry(this.key);
        const mine = e?.leases.find((l) => l.id === this.id);
        if (e === undefined || mine === undefined) return false;
        at.rewrite(this.key, { ...e, leases: at.liveLeases(e.leases.filter((l) => l.id !== this.id)) }, true);
        return mine.expiresAt > at.now;
      }),
    );
  }

  renew(ttlMs?: number): Promise<number> {
    return guard(async () => {
      const ttl = ttlOf(ttlMs, this.#ac.policy.leaseTtlMs, 'ttlMs');
      this.#expiresAt = await this.#ac.write(await this.#ac.writable(), (at) => {
        const e = at.entry(this.key);
        const mine = e?.leases.find((l) => l.id === this.id);
        if (e === undefined || mine === undefined || mine.expiresAt <= at.now) {
          throw new StoreError('CONFLICT', `lease on "${this.key.slice(0, 64)}" has lapsed or its blob is gone`);
        }
        const expiresAt = at.now + ttl;
        at.rewrite(this.key, { ...e, leases: e.leases.map((l) => (l.id === this.id ? { ...l, expiresAt } : l)) }, true);
        return expiresAt;
      });
      return this.#expiresAt;
    });
  }
}

/** A reservation returned by `reserve`: a record under the key, checked again by every call. */
export class ReservationHandle implements ArtifactReservation {
  readonly key: string;
  readonly id: string;
  #expiresAt: number;
  readonly #ttl: number;
  readonly #ac: ArtifactContext;

  /** Writes a reservation record (inside `reserve`'s transaction); returns its expiry. */
  static record(at: ArtifactTx, key: string, id: string, expiresAt: number, publish?: PublishRecord): number {
    at.tx.put(reservationKey(key), encodeReservation({ id, expiresAt, ...OWNER, ...(publish && { publish }) }));
    return expiresAt;
  }

  constructor(ac: ArtifactContext, key: string, id: string, expiresAt: number, ttl: number) {
    this.#ac = ac;
    this.key = key;
    this.id = id;
    this.#expiresAt = expiresAt;
    this.#ttl = ttl;
  }

  get expiresAt(): number {
    return this.#expiresAt;
  }

  commit(bytes: Uint8Array, options?: ArtifactPutOptions): Promise<ArtifactStat> {
    return guard(async () => {
      assertBytes(bytes);
      const put = checkPutOptions(options, this.#ac.policy.defaultTier);
      const d = await this.#ac.writable();
      assertFits(bytes, d.options.maxValueBytes);
      const { stat, blob } = await this.#ac.write(d, (at) => {
        this.#end(at);
        const id = at.newBlob();
        const chunkBytes = at.writeChunks(id, bytes);
        return { stat: storeBlob(at, this.key, { blob: id, size: bytes.byteLength, chunkBytes, ...put }), blob: id };
      });
      const local = this.#ac.local(d);
      if (put.tier === 0) local.keep(blob, new Uint8Array(bytes));
      local.notify(this.key);
      return stat;
    });
  }

  commitStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: ArtifactPutOptions): Promise<ArtifactStat> {
    return guard(async () => {
      const put = checkPutOptions(options, this.#ac.policy.defaultTier);
      const d = await this.#ac.writable();
      // Every batch renews the reservation: it lapses only once the writer stops making progress.
      return streamIn(this.#ac, d, this.key, source, put, {
        keepAlive: (at) => {
          if (this.#live(at).publish !== undefined)
            throw new StoreError('CONFLICT', `reservation of "${this.key.slice(0, 64)}" is publishing a file`);
          ReservationHandle.record(at, this.key, this.id, at.now + this.#ttl);
        },
        finish: (at) => this.#end(at),
      });
    });
  }

  abort(): Promise<boolean> {
    return guard(async () => {
      const d = await this.#ac.writable();
      const ended = await this.#ac.write(d, (at) => {
        const r = this.#mine(at);
        if (r === undefined) return undefined;
        at.tx.del(reservationKey(this.key));
        return r;
      });
      // An aborted publish leaves no file behind: what was prelinked is removed with the reservation.
      if (ended?.publish !== undefined) {
        await unlinkOwned(this.#ac.dataDir, ended.publish.path);
        if (ended.publish.staging !== undefined) await unlinkOwned(this.#ac.dataDir, ended.publish.staging);
      }
      this.#ac.local(d).notify(this.key);
      return ended !== undefined && ended.expiresAt > Date.now();
    });
  }

  check(): Promise<boolean> {
    return guard(async () => {
      const d = await this.#ac.readable();
      const raw = await d.backend.get(reservationKey(this.key));
      const r = raw === undefined ? undefined : decodeReservation(raw);
      return r?.id === this.id && r.expiresAt > Date.now();
    });
  }

  prelink(file: ExternalFileSpec, options?: PrelinkOptions): Promise<void> {
    return guard(async () => {
      const input = checkExternalInput(file, 'prelink');
      const { staging, ...putOptions } = options ?? {};
      const put = checkPutOptions(putOptions, this.#ac.policy.defaultTier);
      const stagingPath = staging === undefined ? undefined : checkExternalInput({ ...input, path: staging }, 'prelink staging').path;
      // Both paths go through the dataDir policy now, so a bad one fails before anything is recorded.
      resolveExternal(this.#ac.dataDir, input.path);
      if (stagingPath !== undefined) resolveExternal(this.#ac.dataDir, stagingPath);
      const publish: PublishRecord = {
        path: input.path,
        sha256: input.sha256,
        size: input.size,
        tier: put.tier,
        meta: metaOf(put.metaJson),
        ...(stagingPath === undefined ? {} : { staging: stagingPath }),
      };
      const d = await this.#ac.writable();
      this.#expiresAt = await this.#ac.write(d, (at) => {
        this.#live(at);
        return ReservationHandle.record(at, this.key, this.id, at.now + this.#ttl, publish);
      });
    });
  }

  postlink(): Promise<ArtifactStat> {
    return guard(async () => {
      const d = await this.#ac.writable();
      const raw = await d.backend.get(reservationKey(this.key));
      const seen = raw === undefined ? undefined : decodeReservation(raw);
      if (seen?.id !== this.id) throw new StoreError('CONFLICT', `reservation of "${this.key.slice(0, 64)}" has ended`);
      const p = seen.publish;
      if (p === undefined) throw new StoreError('CONFLICT', `reservation of "${this.key.slice(0, 64)}" was not prelinked`);
      await requireFile(resolveExternal(this.#ac.dataDir, p.path), p, 'postlink');
      const stat = await this.#ac.write(d, (at) => {
        this.#live(at);
        at.tx.del(reservationKey(this.key));
        return storeBlob(at, this.key, {
          blob: at.newBlob(),
          size: p.size,
          tier: p.tier,
          metaJson: JSON.stringify(p.meta),
          file: { path: p.path, sha256: p.sha256 },
        });
      });
      if (p.staging !== undefined && p.staging !== p.path) await unlinkOwned(this.#ac.dataDir, p.staging);
      this.#ac.local(d).notify(this.key);
      return stat;
    });
  }

  renew(ttlMs?: number): Promise<number> {
    return guard(async () => {
      const ttl = ttlOf(ttlMs, this.#ac.policy.reservationTtlMs, 'ttlMs');
      this.#expiresAt = await this.#ac.write(await this.#ac.writable(), (at) => {
        const r = this.#live(at);
        return ReservationHandle.record(at, this.key, this.id, at.now + ttl, r.publish);
      });
      return this.#expiresAt;
    });
  }

  #mine(at: ArtifactTx): ReturnType<typeof decodeReservation> | undefined {
    const raw = at.tx.get(reservationKey(this.key));
    const r = raw === undefined ? undefined : decodeReservation(raw);
    return r?.id === this.id ? r : undefined;
  }

  #live(at: ArtifactTx): ReturnType<typeof decodeReservation> {
    const r = this.#mine(at);
    if (r === undefined) throw new StoreError('CONFLICT', `reservation of "${this.key.slice(0, 64)}" has ended`);
    if (r.expiresAt <= at.now) throw new StoreError('CONFLICT', `reservation of "${this.key.slice(0, 64)}" has lapsed`);
    return r;
  }

  /** Inside a commit: the reservation must be live and not mid-publish; it ends with the commit. */
  #end(at: ArtifactTx): void {
    if (this.#live(at).publish !== undefined) {
      throw new StoreError('CONFLICT', `reservation of "${this.key.slice(0, 64)}" is publishing a file: finish with postlink or abort`);
    }
    at.tx.del(reservationKey(this.key));
  }
}
