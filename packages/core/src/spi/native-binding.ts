import { StoreError } from '../errors.js';

/**
 * The error an adapter raises when its engine's native addon cannot be loaded (not built, built for
 * another Node.js, missing): `UNSUPPORTED`, naming the package and the command that builds it under
 * each package manager — pnpm 10 skips dependencies' build scripts until they are approved, and
 * without this the failure would surface later as an opaque `IO` error from inside the engine.
 */
export function nativeBindingError(adapterPackage: string, nativePackage: string, cause: unknown): StoreError {
  const detail = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
  return new StoreError(
    'UNSUPPORTED',
    `${adapterPackage}: the native addon of ${nativePackage} is missing or was not built for this Node.js ` +
      `(${process.version}): ${detail}. Build it — npm: \`npm rebuild ${nativePackage}\`; pnpm 10, which runs ` +
      `no dependency build script until it is approved: \`pnpm approve-builds\` and select ${nativePackage} ` +
      `(or list it in "pnpm": { "onlyBuiltDependencies": [...] } in package.json), then \`pnpm rebuild ${nativePackage}\`; ` +
      `yarn: \`yarn rebuild ${nativePackage}\`.`,
    { cause },
  );
}
