export { sqliteAdapter } from './adapter.js';
export { type ResolvedSqliteOptions, type SqliteOptions, sqliteOptionsSchema } from './options.js';
