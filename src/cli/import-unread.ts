import { parseArgs } from 'node:util';
import type { Config } from '../config/config';
import { commandConfig } from './command-config';
import { DEFAULT_RATE_LIMIT_PER_SECOND } from '../config/defaults';
import { GatewayCore } from '../core';
import { forbidden } from '../errors';
import { imRowCheck } from '../import/row-check';
import { ImportRun, type ImportSummary, type UnreadCountSink } from '../import/importer';
import { ProgressReporter } from '../import/progress';
import { waitingForSharedState } from '../import/shared-state-wait';
import { formatOf, ImportFileError, ImportUsageError, type ImportFormat } from '../import/rows';
import { createLogger } from '../observability/logger';
import { inSpan } from '../observability/tracing';
import { EXIT } from './exit-codes';
import { runVerify } from './verify-unread';

/** Reading first, this many times the write pace in flight: a read call takes 50 rows, and matching rows need no write. */
const READ_AHEAD_FACTOR = 4;
/** No caller waits on an import's reads: a longer window fills read calls closer to IM's 50 members. */
const IMPORT_READ_BATCH_WINDOW_MS = 50;
/** How long an imported row may wait for a limiter slot before it is rejected as RATE_LIMITED. */
const IMPORT_MAX_QUEUE_WAIT_MS = 5 * 60_000;

const USAGE = `Usage: im-graphql-gateway serve
       im-graphql-gateway usersig <account> [--expire <seconds>]
       im-graphql-gateway import-unread <file> [options]
       im-graphql-gateway verify-unread <file> [--mismatches <path>]

serve: runs the gateway (as \`npm start\` does).
usersig: prints a UserSig for <account>, signed with IM_SDKAPPID and IM_SECRET_KEY (see usersig --help).

Sets unread counts in bulk from a CSV (groupId,memberAccount,unreadCount with a header) or NDJSON file,
through the gateway's own client, group-type check, coalescer, rate limiter and retries. Reads the IM_*
variables of the gateway (IM_SDKAPPID and IM_SECRET_KEY are required unless --dry-run). Rows are read back
first, 50 members a call on the read commands' own budgets, and only rows whose value IM does not already
hold (after IM's clamping) are written.

Options:
  --format csv|ndjson   default: from the file name (.ndjson/.jsonl: NDJSON, else CSV)
  --rejects <path>      where failed rows go (default: <file>.rejects.csv)
  --resume              continue an interrupted import from its checkpoint (<file>.checkpoint.json)
  --dry-run             no write: validate every row, and (with IM credentials) ask IM whether it would
                        refuse it or already holds its value; its rejects file lists the rows IM would refuse
  --offline             with --dry-run: validate the input only, no IM call at all
  --write-all           write every row, even where IM already holds its value (default: read first, write
                        only rows that differ)
  --verify              after the import, read every member back (verify-unread) and exit as it does
  --rate <n>            IM calls per second, at most IM_RATE_LIMIT_PER_SECOND (default ${DEFAULT_RATE_LIMIT_PER_SECOND})
                        (with IM_SHARED_STATE=redis: shared with the running gateways; while Redis is
                        unreachable, rows wait for it)
  -h, --help            this text

Exit codes: 0 every row applied or in the rejects file; 1 fatal (unreadable file, IM unreachable,
IM refusing the credentials); 2 bad usage or configuration (also: an unfinished checkpoint without
--resume, nothing to resume, a changed input file); 130 interrupted (Ctrl-C; --resume continues).`;

/** What the command line asks for, once checked. */
interface ImportPlan {
  file: string;
  format: ImportFormat;
  rejectsPath: string;
  resume: boolean;
  dryRun: boolean;
  /** With dryRun: no IM call at all. */
  offline: boolean;
  /** Write every row, IM's values unread. */
  writeAll: boolean;
  rate: number;
  verify: boolean;
  config: Config;
}

/** `im-graphql-gateway import-unread <file> [options]`; resolves to the exit code. */
export async function importUnread(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const plan = planFrom(argv, env);
  if (typeof plan === 'number') return plan;
  const { config, rate, dryRun, offline, writeAll } = plan;
  // With IM_SHARED_STATE=redis the import shares the app's budget with the running gateways.
  // Rows in flight are bounded, so a row may wait long for a slot (say, while live gateways use the budget):
  // waiting beats rejecting it as RATE_LIMITED.
  const settings = {
    ...config.im,
    rateLimitPerSecond: rate,
    maxQueueWaitMs: Math.max(config.im.maxQueueWaitMs, IMPORT_MAX_QUEUE_WAIT_MS),
    readBatchWindowMs: Math.max(config.im.readBatchWindowMs, IMPORT_READ_BATCH_WINDOW_MS),
  };
  const core =
    config.im.target.kind === 'tencent' && !(dryRun && offline)
      ? new GatewayCore(config.im.target, settings, config.auth, createLogger({ level: 'warn', destination: process.stderr }))
      : undefined;
  // The importer is an operator's tool and acts as the app admin, so no role is ever looked up.
  const asAdmin = { caller: { account: config.im.adminIdentifier }, roleOf: () => Promise.reject(forbidden('the import acts as the app admin')) };
  const write: UnreadCountSink | undefined = core && !dryRun ? (update, path) => core.setUnreadCount.run(update, path, asAdmin) : undefined;
  // Rows refused while Redis is unreachable wait for it: an outage of the shared state is no reason to stop.
  const shared = core && { problem: () => core.sharedStateProblem(), whenReady: (ms: number) => core.whenReady(ms) };
  const sink = write && shared ? waitingForSharedState(write, shared, (line) => process.stderr.write(line)) : undefined;
  const check = core !== undefined && !writeAll ? imRowCheck(core.groupTypes, core.reads) : undefined;
  const run = new ImportRun(
    // Two seconds' worth of writes keep the limiter busy without any row waiting near IM_MAX_QUEUE_WAIT_MS;
    // reading first, more rows are read ahead, so matching rows (reads, 50 a call) never wait for the writes.
    { ...plan, maxInFlight: Math.max(1, rate * 2), maxReadAhead: Math.max(1, rate * 2) * READ_AHEAD_FACTOR },
    sink,
    new ProgressReporter(process.stderr, undefined, dryRun ? (check === undefined ? 'valid' : 'to write') : 'written'),
    check,
  );
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED); // a second Ctrl-C: leave now; the last checkpoint stands
    process.stderr.write('\nInterrupted: finishing the rows in flight and saving a checkpoint (Ctrl-C again to quit at once)…\n');
    run.stop();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    let summary: ImportSummary;
    try {
      // With tracing on, the import is one trace: its read and write calls (50 members a read) are its spans.
      summary = await inSpan('import-unread', () => run.run());
    } catch (error) {
      if (!(error instanceof ImportUsageError || error instanceof ImportFileError)) throw error;
      process.stderr.write(`import-unread: ${error.message}\n`);
      return error instanceof ImportUsageError ? EXIT.USAGE : EXIT.FATAL;
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
    process.stdout.write(describe(summary, dryRun, check !== undefined));
    if (summary.fatal !== undefined) return EXIT.FATAL;
    if (summary.interrupted) return EXIT.INTERRUPTED;
    // --verify reads back through the same core: its pool, limiters and shared state.
    return plan.verify && core !== undefined ? await runVerify(core, plan.file, plan.format, { rejectsPath: plan.rejectsPath }) : EXIT.DONE;
  } finally {
    await core?.close();
  }
}

/** The checked command line, or the exit code when there is nothing to run (help, a usage error). */
function planFrom(argv: string[], env: Record<string, string | undefined>): ImportPlan | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        rejects: { type: 'string' },
        resume: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        offline: { type: 'boolean', default: false },
        'write-all': { type: 'boolean', default: false },
        rate: { type: 'string' },
        verify: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.DONE;
  }
  const [command, file, ...extra] = positionals;
  if (command !== 'import-unread') return usageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
  if (file === undefined || extra.length > 0) return usageError('import-unread takes exactly one file');
  const format = (values.format ?? formatOf(file)) as ImportFormat;
  if (format !== 'csv' && format !== 'ndjson') return usageError('--format must be csv or ndjson');
  const dryRun = values['dry-run'];
  const config = commandConfig(env);
  if ('problem' in config) return usageError(config.problem);
  if (!dryRun && config.im.target.kind !== 'tencent') {
    return usageError('configuration: IM_SDKAPPID and IM_SECRET_KEY are required (an import into the throwaway built-in simulator would be lost); use --dry-run to only validate');
  }
  let rate = config.im.rateLimitPerSecond;
  if (values.rate !== undefined) {
    const asked = Number(values.rate);
    if (!Number.isInteger(asked) || asked < 1 || asked > config.im.rateLimitPerSecond) {
      return usageError(`--rate must be a whole number from 1 to IM_RATE_LIMIT_PER_SECOND (${config.im.rateLimitPerSecond})`);
    }
    rate = asked;
  }
  if (values.verify && dryRun) return usageError('--verify reads what an import applied: it cannot go with --dry-run');
  if (values.offline && !dryRun) return usageError('--offline goes with --dry-run: an import has to call IM');
  const plan = { file, format, rejectsPath: values.rejects ?? `${file}.rejects.csv`, resume: values.resume, dryRun, rate, verify: values.verify, config };
  return { ...plan, offline: values.offline || config.im.target.kind !== 'tencent', writeAll: values['write-all'] };
}

function describe(summary: ImportSummary, dryRun: boolean, askedIm: boolean): string {
  const title = dryRun ? (askedIm ? 'Dry run (reads only, no write)' : 'Dry run (input only, no IM call)') : 'Import';
  const lines = [
    `${title} ${summary.fatal !== undefined ? 'STOPPED' : summary.interrupted ? 'interrupted' : 'finished'} in ${summary.seconds.toFixed(1)} s`,
    `  rows read:        ${summary.rowsRead}`,
    `  ${dryRun ? (askedIm ? 'would write:     ' : 'valid:           ') : 'written:         '} ${summary.applied}`,
  ];
  if (askedIm) lines.push(`  already matching: ${summary.matching}${dryRun ? '' : ' (IM held the value: not written)'}`);
  lines.push(`  ${dryRun ? 'would reject:    ' : 'rejected:        '} ${summary.rejected}${summary.rejected > 0 ? ` (see ${summary.rejectsPath})` : ''}`);
  if (summary.skipped > 0) lines.push(`  skipped:          ${summary.skipped} (done by an earlier run)`);
  if (summary.fatal !== undefined) lines.push(`  fatal:            ${summary.fatal}`);
  if ((summary.interrupted || summary.fatal !== undefined) && summary.checkpointPath !== undefined) {
    lines.push(`  checkpoint:       ${summary.checkpointPath} (run again with --resume to continue)`);
  }
  return `${lines.join('\n')}\n`;
}

function usageError(message: string): number {
  process.stderr.write(`import-unread: ${message}\n\n${USAGE}\n`);
  return EXIT.USAGE;
}
