import { resolve } from 'node:path';
import { Connection, type ConnectionSettings } from './connection.js';

interface Entry {
  readonly connection: Connection;
  refs: number;
}

// One connection per file per process, shared by every store: SQLite serializes writers per file
// anyway, and a single connection lets one commit group span every store of the process.
const connections = new Map<string, Entry>();
// Read-only connections apart: a read-only open never shares (or creates) a writing connection.
const readOnlyConnections = new Map<string, Entry>();

/** The process's connection to `file` (opened on first use); pair every call with `releaseConnection`. */
export function acquireConnection(file: string, settings: ConnectionSettings, readOnly = false): Connection {
  const key = resolve(file);
  const map = readOnly ? readOnlyConnections : connections;
  const entry = map.get(key);
  if (entry) {
    entry.connection.configure(settings);
    entry.refs += 1;
    return entry.connection;
  }
  const connection = Connection.open(key, settings, readOnly);
  map.set(key, { connection, refs: 1 });
  return connection;
}

/** Drops one reference to `connection`; the last one closes it (after its queued commits). */
export async function releaseConnection(connection: Connection): Promise<void> {
  const map = connection.readOnly ? readOnlyConnections : connections;
  const entry = map.get(connection.file);
  if (!entry || entry.connection !== connection) return;
  entry.refs -= 1;
  if (entry.refs > 0) return;
  map.delete(connection.file);
  await connection.close();
}

/** The open connection to `file`, if any (for tests and diagnostics). */
export function openConnectionTo(file: string): Connection | undefined {
  return connections.get(resolve(file))?.connection;
}
