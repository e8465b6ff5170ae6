import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CommandContext, GlobalOptions } from './commands/context.js';
import { describeError, EXIT, makeOutput, printError, UsageError } from './output.js';

/** This package's version, from its package.json (one level above both `src/` and `dist/`). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const EXAMPLES = `
Examples:
  $ agentstore stats --data-dir ./agent-data          every domain, from what the data directory records
  $ agentstore ls memory --prefix '["user"]' --json   kv entries under a key prefix, as JSON
  $ agentstore get memory '["user","42"]'              one value (exit 1, NOT_FOUND, when absent)
  $ agentstore checkpoints checkpoints thread-1        a trace's checkpoints, newest first
  $ agentstore export runs -o runs.jsonl               every entry of a domain, with a checksum trailer
  $ agentstore doctor                                  integrity check (exit 3 when a fault is found)

Read commands (stats, ls, get, traces, checkpoints, export, doctor) open the store read-only:
they never create a file, a directory or a domain.
Exit codes: 0 ok, 1 error, 2 usage, 3 doctor found faults. Errors are JSON on stderr with --json.
Colour only on a terminal; NO_COLOR turns it off.`;

// Each command's module (and with it @agentstore/core and the adapters it needs) is imported only
// when that command runs: `--help` and `--version` load commander and this file alone.

/** Builds the `agentstore` command; `setExit` receives a command's own exit code (doctor). */
function build(setExit: (code: number) => void): Command {
  const program = new Command('agentstore')
    .description('Look inside an agentstore, back it up, and move domains between backends.')
    .option('-c, --config <file>', 'config file (default: ./agentstore.config.json)')
    .option('--data-dir <dir>', 'data directory (overrides the config)')
    .option('--json', 'machine-readable JSON output (errors too)')
    .version(cliVersion(), '-V, --version', 'print the version')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  const ctx = (): CommandContext => {
    const global = program.opts<GlobalOptions>();
    return { global, out: makeOutput(global.json === true) };
  };
  program
    .command('inspect')
    .alias('stats')
    .description('every domain: adapter, kind, records, bytes, counters')
    .action(async () => (await import('./commands/inspect.js')).inspect(ctx()));
  program
    .command('ls <domain>')
    .description('list kv entries (checkpoint traces, journal streams)')
    .option('--prefix <key>', 'key prefix (JSON tuple or string)')
    .option('--limit <n>', 'at most n rows (default 100)')
    .action(async (domain: string, o: { prefix?: string; limit?: string }) => (await import('./commands/read.js')).ls(ctx(), domain, o));
  program
    .command('get <domain> <key>')
    .description('one kv value, as typed JSON')
    .action(async (domain: string, key: string) => (await import('./commands/read.js')).get(ctx(), domain, key));
  program
    .command('traces <domain>')
    .description('trace ids of a checkpoints domain')
    .option('--prefix <text>')
    .option('--after <trace>')
    .option('--limit <n>')
    .action(async (domain: string, o: { prefix?: string; after?: string; limit?: string }) =>
      (await import('./commands/read.js')).traces(ctx(), domain, o),
    );
  program
    .command('checkpoints <domain> <trace>')
    .description("a trace's checkpoints, newest first")
    .option('--limit <n>', 'at most n (default 20)')
    .action(async (domain: string, trace: string, o: { limit?: string }) =>
      (await import('./commands/read.js')).checkpoints(ctx(), domain, trace, o),
    );
  program
    .command('export <domain>')
    .description('every raw entry of a domain as JSONL (lossless, any kind)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(async (domain: string, o: { out?: string }) => (await import('./commands/transfer.js')).exportDomain(ctx(), domain, o));
  program
    .command('import <domain> <file>')
    .description('load an export into an empty domain (checked against its trailer first)')
    .option('--replace', 'clear the domain first')
    .action(async (domain: string, file: string, o: { replace?: boolean }) =>
      (await import('./commands/transfer.js')).importDomain(ctx(), domain, file, o),
    );
  program
    .command('backup')
    .description('consistent online copy of every persistent domain, while writers go on')
    .requiredOption('-o, --out <dir>', 'empty or new directory')
    .action(async (o: { out: string }) => (await import('./commands/backup.js')).backup(ctx(), o));
  program
    .command('restore')
    .description('copy a backup into the (stopped) data directory and verify it')
    .requiredOption('--from <dir>', 'a directory written by backup')
    .option('--force', 'move a non-empty data directory aside first')
    .action(async (o: { from: string; force?: boolean }) => (await import('./commands/backup.js')).restore(ctx(), o));
  program
    .command('doctor')
    .description('integrity check of every backend and a full read of every domain (exit 3 on a fault)')
    .action(async () => setExit(await (await import('./commands/doctor.js')).doctor(ctx())));
  program
    .command('prune [domain]')
    .description(
      'apply retention rules (maxAge, expired TTL records) to every domain or one; with --keep N, keep the newest N checkpoints of every trace',
    )
    .option('--keep <n>')
    .option('--trace <trace>', 'only this trace (with --keep)')
    .option('--dry-run', 'count what the retention rules would remove, remove nothing')
    .action(async (domain: string | undefined, o: { keep?: string; trace?: string; dryRun?: boolean }) => {
      const maintain = await import('./commands/maintain.js');
      if (o.keep === undefined && o.trace === undefined) return maintain.pruneByRules(ctx(), domain, o);
      if (domain === undefined) throw new UsageError('prune --keep needs a domain');
      return maintain.prune(ctx(), domain, o);
    });
  program
    .command('truncate <domain> <stream>')
    .description('drop journal entries before a sequence number')
    .option('--before <seq>')
    .action(async (domain: string, stream: string, o: { before?: string }) =>
      (await import('./commands/maintain.js')).truncate(ctx(), domain, stream, o),
    );
  program
    .command('migrate <domain>')
    .description('move a domain to another backend and rewrite the config route')
    .requiredOption('--to <adapter>', 'target adapter')
    .option('--options <json>', 'target route options, e.g. \'{"durability":"strict"}\'')
    .action(async (domain: string, o: { to: string; options?: string }) =>
      (await import('./commands/migrate.js')).migrate(ctx(), domain, o),
    );
  program
    .command('mcp')
    .description('serve the store to an MCP client over stdio (read-only unless --allow-writes)')
    .option('--allow-writes', 'offer the write tools (kv_put, kv_delete, journal_append)')
    .option('--write-domains <names>', 'comma-separated domains the write tools may change (required with --allow-writes)')
    .option('--max-bytes <n>', 'upper bound of one reply page in bytes (default 65536)')
    .option('--max-entries <n>', 'upper bound of entries per page (default 100)')
    .action(async (o: { allowWrites?: boolean; writeDomains?: string; maxBytes?: string; maxEntries?: string }) =>
      (await import('./commands/mcp.js')).mcp(ctx(), o),
    );
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`); resolves to the exit code. Errors print one line. */
export async function run(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = build((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    // --json may not have been parsed yet (an unknown option before it): look at argv itself.
    const json = program.opts<GlobalOptions>().json === true || argv.includes('--json');
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      printError({ code: 'USAGE', message: err.message.replace(/^error: /, '') }, json);
      return EXIT.usage;
    }
    const described = describeError(err);
    printError(described, json);
    return described.exitCode;
  }
}
