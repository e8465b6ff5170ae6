export { sqliteAdapter } from './adapter.js';
export { type SqliteOptions, sqliteOptionsSchema } from './options.js';
