export { postgresAdapter } from './adapter.js';
export { DEFAULT_CONNECTION_STRING, type PostgresOptions, postgresOptionsSchema } from './options.js';
