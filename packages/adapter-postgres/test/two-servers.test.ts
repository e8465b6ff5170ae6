/**
 * Past one PostgreSQL: two domains routed to two servers of the test's own (initdb, free loopback
 * ports). Each domain's table lives on its own server only, both are exact, and the throughput of
 * two domains on one server and on two is measured side by side (printed; on this 2-core machine both
 * servers share the same cores and disk, so it shows the routing works, not a speed-up a second machine
 * would give).
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresAdapter } from '@agentstore/adapter-postgres';
import { createStore } from '@agentstore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, postgresUid, query, SKIP, startServer, stopServer } from './pg-cluster.js';

const WRITERS = 50;
const MEASURE_MS = 3000;

describe.skipIf(SKIP !== undefined)('two domains on two PostgreSQL servers', () => {
  let dir: string;
  const ports: number[] = [];
  const server = (i: number) => join(dir, `server${i}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentstore-two-servers-'));
    if (postgresUid !== undefined) chownSync(dir, postgresUid, postgresUid);
    for (const i of [0, 1]) {
      ports.push(await freePort());
      startServer(server(i), ports[i] as number, dir);
    }
  }, 180_000);

  afterAll(() => {
    if (!dir) return;
    stopServer(server(0));
    stopServer(server(1));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Strict puts/s over both domains, `WRITERS` concurrent writers on each, with `a` and `b` on the given ports. */
  async function measure(portA: number, portB: number, schema: string): Promise<{ rate: number; counters: number[] }> {
    const route = (port: number) => ({
      adapter: 'postgres',
      options: { connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, schema, durability: 'strict' },
    });
    const store = await createStore({
      dataDir: join(dir, `store-${schema}`),
      adapters: [postgresAdapter],
      domains: { runs_a: route(portA), runs_b: route(portB) },
    });
    const domains = [store.kv<number>('runs_a'), store.kv<number>('runs_b')];
    await Promise.all(domains.map((kv) => kv.put('warm', 0)));
    let puts = 0;
    const stopAt = Date.now() + MEASURE_MS;
    await Promise.all(
      domains.flatMap((kv) =>
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; Date.now() < stopAt; i++) {
            await kv.put(`w${w}-${i}`, i);
            await kv.updateCounter('total', 1);
            puts++;
          }
        }),
      ),
    );
    const counters = await Promise.all(domains.map(async (kv) => (await kv.get('total')) ?? 0));
    await store.close();
    return { rate: puts / (MEASURE_MS / 1000), counters };
  }

  it('each domain lives on its own server; both are exact; one server vs two measured', async () => {
    const one = await measure(ports[0] as number, ports[0] as number, 'one_server');
    const two = await measure(ports[0] as number, ports[1] as number, 'two_servers');
    const tables = async (port: number) =>
      (await query(port, "SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE tablename LIKE 'd\\_runs%' ORDER BY 1")).rows.map(
        (row) => row.t as string,
      );
    expect(await tables(ports[0] as number)).toEqual(['one_server.d_runs_a', 'one_server.d_runs_b', 'two_servers.d_runs_a']);
    expect(await tables(ports[1] as number)).toEqual(['two_servers.d_runs_b']);
    // Every acknowledged increment is counted once (puts and increments alternate per writer).
    for (const result of [one, two]) expect(result.counters.reduce((a, b) => a + b, 0)).toBe(result.rate * (MEASURE_MS / 1000));
    console.log(
      `[adapter-postgres] two domains × ${WRITERS} writers (strict put + counter increment each): ` +
        `one server ${Math.round(one.rate)} writes/s, two servers ${Math.round(two.rate)} writes/s (${(two.rate / one.rate).toFixed(2)}×)`,
    );
  }, 120_000);
});

if (SKIP !== undefined) {
  describe('two domains on two PostgreSQL servers', () => {
    it.skip(`skipped: ${SKIP}`, () => {});
  });
}
