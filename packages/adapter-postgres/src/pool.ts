import pg from 'pg';
import type { Pool, PoolSettings } from './driver.js';
import { FailoverPool } from './failover-pool.js';
import { parseHostList } from './hosts.js';

/** Extra time the client waits for an answer after the server's statement timeout should have fired. */
const READ_TIMEOUT_MARGIN_MS = 5_000;

/**
 * Opens a pool (connections are made lazily, on first use). A libpq-style multi-host connection string
 * (`hosts.ts`) gets one pool per server behind a {@link FailoverPool}.
 */
export function createPool(settings: PoolSettings): Pool {
  const hosts = parseHostList(settings.connectionString);
  if (hosts === undefined) return singlePool(settings.connectionString, settings);
  return new FailoverPool(
    hosts.targets.map((target) => singlePool(target, settings)),
    hosts.readWrite,
  );
}

function singlePool(connectionString: string, settings: PoolSettings): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    // A process that forgot close() can still exit once its connections are idle.
    allowExitOnIdle: true,
    keepAlive: true,
    application_name: settings.applicationName,
    statement_timeout: settings.statementTimeoutMs,
    lock_timeout: settings.lockTimeoutMs,
    // A client-side bound too, for a server that stops answering without closing the socket.
    query_timeout: settings.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
  });
  // An idle connection the server dropped (restart, pg_terminate_backend): the pool discards it;
  // without a listener Node would treat the event as an uncaught error.
  pool.on('error', () => {});
  return pool as unknown as Pool;
}
