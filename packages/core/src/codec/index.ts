/** Value codecs (SPEC §3): the default binary codec, JSON and raw bytes. */
export { defaultCodec } from './default.js';
export { jsonCodec } from './json.js';
export { DECODE_LIMITS } from './limits.js';
export { rawCodec } from './raw.js';
