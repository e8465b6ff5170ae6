/** Caps the codecs enforce, on encode and (against hostile bytes) on decode. */
export const DECODE_LIMITS = Object.freeze({
  /** Most nested containers (arrays, objects, maps, sets) a value may have; the root container is level 1. */
  maxDepth: 1000,
  /** Largest length prefix the default format accepts (strings, byte arrays, counts): lengths are uint32. */
  maxLength: 0xffff_ffff,
});
