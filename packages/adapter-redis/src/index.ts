export { redisAdapter } from './adapter.js';
export { type RedisOptions, redisOptionsSchema } from './options.js';
