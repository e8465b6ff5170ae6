// Child process of the startup benchmark (plain JS so it runs without a TypeScript loader when the
// packages are built). `bare` reports at once; `store` opens a store on sqlite, lmdb and level,
// touches one domain on each, then reports. Reports: ms since the process started, and RSS.
const [mode, dataDir] = process.argv.slice(2);
const report = () => process.stdout.write(`${JSON.stringify({ ms: performance.now(), rss: process.memoryUsage().rss })}\n`);

if (mode === 'bare') {
  report();
} else {
  const { createStore } = await import('@agentstore/core');
  const { sqliteAdapter } = await import('@agentstore/adapter-sqlite');
  const { lmdbAdapter } = await import('@agentstore/adapter-lmdb');
  const { levelAdapter } = await import('@agentstore/adapter-level');
  const store = await createStore({
    dataDir,
    adapters: [sqliteAdapter, lmdbAdapter, levelAdapter],
    domains: { runs: { adapter: 'sqlite' }, checkpoints: { adapter: 'lmdb' }, journal: { adapter: 'level' } },
  });
  await Promise.all(['runs', 'checkpoints', 'journal'].map((d) => store.kv(d).get('touch')));
  report();
  await store.close();
}
