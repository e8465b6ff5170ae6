// Run first by every public package's `prepack`: only pnpm replaces the `workspace:` ranges of
// internal dependencies with real versions when it packs or publishes; `npm pack` / `npm publish`
// would ship them as they are and the package could not be installed. So any other client stops here.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error(
    `agentstore packages are packed and published with pnpm (found: ${agent.split(' ')[0] || 'unknown client'}): ` +
      'npm and yarn would leave "workspace:" ranges in package.json. Use `pnpm pack` or `pnpm release`.',
  );
  process.exit(1);
}
