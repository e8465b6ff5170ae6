export { postgresAdapter } from './adapter.js';
export { DEFAULT_CONNECTION_STRING, type PostgresOptions, postgresOptionsSchema, type ResolvedPostgresOptions } from './options.js';
