import type { OpenDomain } from '../runtime/backend-pool.js';
import { type ArtifactContext, storeBlob } from './artifact-context.js';
import { decodeReservation, type ReservationRecord, reservationKey } from './artifact-layout.js';
import { resolveExternal, unlinkOwned, verifyFile } from './external-file.js';
import { ownerGone } from './owner.js';
import type { ReservationInfo } from './types.js';

/** The public view of a reservation record. */
export function reservationInfo(key: string, r: ReservationRecord, now = Date.now()): ReservationInfo {
  return {
    key,
    id: r.id,
    expiresAt: r.expiresAt,
    pid: r.pid,
    host: r.host,
    live: r.expiresAt > now && !ownerGone(r),
    ...(r.publish && { publishing: { path: r.publish.path, size: r.publish.size, sha256: r.publish.sha256 } }),
  };
}

/**
 * The next owner's half of the two-stage publish: when `key`'s reservation was prelinked and its
 * holder is dead (on this host) or it lapsed, the file it was publishing is adopted as the key's blob
 * when it is complete and its hash matches, or discarded (file and staging file removed) otherwise.
 * The file is checked before the transaction (it may be large); the transaction adopts or discards
 * only if the same reservation is still there and still dead. Returns what happened.
 */
export async function settleDeadPublish(ac: ArtifactContext, d: OpenDomain, key: string): Promise<'adopted' | 'discarded' | 'none'> {
  const raw = await d.backend.get(reservationKey(key));
  const seen = raw === undefined ? undefined : decodeReservation(raw);
  const p = seen?.publish;
  if (seen === undefined || p === undefined || (seen.expiresAt > Date.now() && !ownerGone(seen))) return 'none';
  let verdict: 'ok' | 'missing' | 'mismatch';
  try {
    verdict = await verifyFile(resolveExternal(ac.dataDir, p.path), p.size, p.sha256);
  } catch {
    verdict = 'mismatch'; // a link or a special file where the file belongs: never adopted
  }
  const outcome = await ac.write(d, (at) => {
    const now = at.tx.get(reservationKey(key));
    const r = now === undefined ? undefined : decodeReservation(now);
    if (r === undefined || r.id !== seen.id || (r.expiresAt > at.now && !at.owners.gone(r))) return 'none' as const;
    at.tx.del(reservationKey(key));
    if (verdict !== 'ok') return 'discarded' as const;
    storeBlob(at, key, {
      blob: at.newBlob(),
      size: p.size,
      tier: p.tier,
      metaJson: JSON.stringify(p.meta),
      file: { path: p.path, sha256: p.sha256 },
    });
    return 'adopted' as const;
  });
  if (outcome === 'discarded') {
    // Only a file that is not what was promised is removed: a missing one has nothing to remove.
    if (verdict === 'mismatch') await unlinkOwned(ac.dataDir, p.path);
    if (p.staging !== undefined) await unlinkOwned(ac.dataDir, p.staging);
  }
  if (outcome === 'adopted' && p.staging !== undefined && p.staging !== p.path) await unlinkOwned(ac.dataDir, p.staging);
  if (outcome !== 'none') ac.local(d).notify(key);
  return outcome;
}
