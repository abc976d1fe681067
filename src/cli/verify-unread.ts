import { parseArgs } from 'node:util';
import { commandConfig } from './command-config';
import { GatewayCore } from '../core';
import { ProgressReporter } from '../import/progress';
import { formatOf, ImportFileError, type ImportFormat } from '../import/rows';
import { ACCEPTED_REASONS, MISMATCH_REASONS } from '../import/mismatches';
import { exists, READ_STRATEGIES, verifyUnread, type ReadStrategy, type VerifySummary } from '../import/verify';
import { createLogger } from '../observability/logger';
import { EXIT } from './exit-codes';

/** Some row holds a value IM does not (beyond IM's own clamping). */
const EXIT_MISMATCH = 3;

const USAGE = `Usage: im-graphql-gateway verify-unread <file> [--format csv|ndjson] [--mismatches <path>] [--rejects <path>] [--read-by auto|members|pages]

Reads back from IM every member of an import file (the formats import-unread takes; a member listed twice
is checked against its last value) and writes the rows that do not hold to <file>.mismatches.csv
(line,groupId,memberAccount,expected,actual,reason). Reasons: CLAMPED (IM holds the group's whole message
count, below the file's value: IM's documented clamping), REJECTED (in the import's rejects file,
<file>.rejects.csv or --rejects <path>: the import refused the row and said so; not read from IM),
DIFFERENT, NOT_MEMBER, GROUP_NOT_FOUND, UNSUPPORTED_GROUP_TYPE. Needs IM_SDKAPPID and IM_SECRET_KEY, like
import-unread. --read-by: members reads the file's members by name (50 a call), pages lists each group
(200 a call); auto (the default) picks per group whichever makes fewer calls. The file's rows wait in a
temporary SQLite file (under TMPDIR), so memory does not grow with the file.

Exit codes: 0 every row matches, is CLAMPED or REJECTED; 3 some row differs otherwise; 1 fatal; 2 bad usage.`;

/** `im-graphql-gateway verify-unread <file>`; resolves to the exit code. */
export async function verifyCommand(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string' }, mismatches: { type: 'string' }, rejects: { type: 'string' }, 'read-by': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.DONE;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) return usageError('verify-unread takes exactly one file');
  const format = (parsed.values.format ?? formatOf(file)) as ImportFormat;
  if (format !== 'csv' && format !== 'ndjson') return usageError('--format must be csv or ndjson');
  const readBy = (parsed.values['read-by'] ?? 'auto') as ReadStrategy;
  if (!READ_STRATEGIES.includes(readBy)) return usageError(`--read-by must be ${READ_STRATEGIES.join(', ')}`);
  const config = commandConfig(env);
  if ('problem' in config) return usageError(config.problem);
  if (config.im.target.kind !== 'tencent') return usageError('configuration: IM_SDKAPPID and IM_SECRET_KEY are required: the counts are read from IM');
  const core = new GatewayCore(config.im.target, config.im, config.auth, createLogger({ level: 'warn', destination: process.stderr }));
  try {
    return await runVerify(core, file, format, { mismatchesPath: parsed.values.mismatches, rejectsPath: parsed.values.rejects, readBy });
  } finally {
    await core.close();
  }
}

/** Verifies with an existing core (also `import-unread --verify`), prints the summary, and says the exit code. */
export async function runVerify(core: GatewayCore, file: string, format: ImportFormat, paths: { mismatchesPath?: string; rejectsPath?: string; readBy?: ReadStrategy } = {}): Promise<number> {
  let summary: VerifySummary;
  const { mismatchesPath = `${file}.mismatches.csv`, rejectsPath, readBy } = paths;
  try {
    if (rejectsPath !== undefined && !(await exists(rejectsPath))) throw new ImportFileError(`cannot read ${rejectsPath}`);
    const options = { file, format, mismatchesPath, rejectsPath: rejectsPath ?? `${file}.rejects.csv`, readBy };
    summary = await verifyUnread(options, core.api, new ProgressReporter(process.stderr, undefined, 'matching', 'mismatched'));
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    process.stderr.write(`verify-unread: ${error.message}\n`);
    return EXIT.FATAL;
  }
  process.stdout.write(describe(summary));
  if (summary.fatal !== undefined) return EXIT.FATAL;
  const differing = MISMATCH_REASONS.filter((reason) => !ACCEPTED_REASONS.has(reason)).some((reason) => summary.byReason[reason] > 0);
  return differing ? EXIT_MISMATCH : EXIT.DONE;
}

function describe(summary: VerifySummary): string {
  const lines = [
    `Verify ${summary.fatal === undefined ? 'finished' : 'STOPPED'} in ${summary.seconds.toFixed(1)} s`,
    `  members checked: ${summary.members}`,
    `  IM read calls:   ${summary.readCalls.groupInfo} get_group_info, ${summary.readCalls.memberInfo} get_specified_group_member_info, ${summary.readCalls.memberPages} get_group_member_info`,
    `  matching:        ${summary.matching}`,
    ...MISMATCH_REASONS.map((reason) => `  ${`${reason}:`.padEnd(24)} ${summary.byReason[reason]}`),
  ];
  if (summary.invalid > 0) lines.push(`  invalid rows:    ${summary.invalid} (not checked; see the import's rejects file)`);
  if (MISMATCH_REASONS.some((reason) => summary.byReason[reason] > 0)) lines.push(`  mismatches:      ${summary.mismatchesPath}`);
  if (summary.fatal !== undefined) lines.push(`  fatal:           ${summary.fatal}`);
  return `${lines.join('\n')}\n`;
}

function usageError(message: string): number {
  process.stderr.write(`verify-unread: ${message}\n\n${USAGE}\n`);
  return EXIT.USAGE;
}
