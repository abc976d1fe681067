import { closeSync, openSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { memberKey } from '../domain/member';
import { unreadCountOf } from '../domain/unread';
import { GatewayError, GatewayErrorCode } from '../errors';
import type { GroupInfo, ImApi } from '../tencent/commands';
import { MAX_ACCOUNTS_PER_MEMBER_INFO_CALL, MAX_GROUPS_PER_INFO_CALL } from '../tencent/commands';
import { validUpdate } from '../writes/set-unread-count';
import type { ProgressReporter } from './progress';
import { csvCell, ImportFileError, readRows, type ImportFormat } from './rows';

/**
 * Why a row does not hold in IM. CLAMPED is IM's documented clamping, so it counts as landed; REJECTED rows
 * are in the import's rejects file (the import refused them and said so), so they fail nothing either.
 */
export const MISMATCH_REASONS = ['CLAMPED', 'REJECTED', 'DIFFERENT', 'NOT_MEMBER', 'GROUP_NOT_FOUND', 'UNSUPPORTED_GROUP_TYPE'] as const;
type MismatchReason = (typeof MISMATCH_REASONS)[number];
/** The reasons that do not make verify-unread exit 3. */
export const ACCEPTED_REASONS: ReadonlySet<MismatchReason> = new Set(['CLAMPED', 'REJECTED']);

const MISMATCH_COLUMNS = ['line', 'groupId', 'memberAccount', 'expected', 'actual', 'reason'];
/** IM reads in flight at once; the limiter paces them. */
const READS_IN_FLIGHT = 16;

export interface VerifyOptions {
  file: string;
  format: ImportFormat;
  mismatchesPath: string;
  /** Lines of the file the import refused (its rejects file): reported as REJECTED, not read from IM. */
  rejectedLines?: ReadonlySet<number>;
}

export interface VerifySummary {
  /** Distinct members checked (a member listed twice is checked against its last value). */
  members: number;
  matching: number;
  byReason: Record<MismatchReason, number>;
  /** Rows that are not valid updates (see the import's rejects file); not checked. */
  invalid: number;
  /** Set when IM could not answer at all (credentials, unreachable). */
  fatal?: string;
  mismatchesPath: string;
  seconds: number;
}

interface Expected {
  line: number;
  groupId: string;
  memberAccount: string;
  expected: number;
}

interface Mismatch extends Expected {
  actual?: number;
  reason: MismatchReason;
}

/**
 * `verify-unread`: did a migration land? Reads every member of an import file back from IM (NextMsgSeq per
 * group, batched 50 groups a call; each member's MsgSeq, 50 accounts a call) through the gateway's own
 * pipeline, and writes the rows that do not hold to the mismatches file, in line order.
 */
export async function verifyUnread(options: VerifyOptions, api: ImApi, progress?: ProgressReporter): Promise<VerifySummary> {
  const started = Date.now();
  await stat(options.file).catch((error: NodeJS.ErrnoException) => {
    throw new ImportFileError(`cannot read ${options.file}: ${error.code ?? error.message}`);
  });
  const { byGroup, invalid, members } = await expectedValues(options);
  const byReason = Object.fromEntries(MISMATCH_REASONS.map((reason) => [reason, 0])) as Record<MismatchReason, number>;
  const summary: VerifySummary = { members, matching: 0, byReason, invalid, mismatchesPath: options.mismatchesPath, seconds: 0 };
  const mismatches: Mismatch[] = [];
  const report = (force = false) => {
    const accepted = summary.byReason.CLAMPED + summary.byReason.REJECTED;
    progress?.update({ bytesRead: summary.matching + mismatches.length, totalBytes: members, rowsDone: summary.matching + mismatches.length, applied: summary.matching + accepted, rejected: mismatches.length - accepted }, force);
  };
  const record = (expected: Expected, actual: number | undefined, reason: MismatchReason | undefined) => {
    if (reason === undefined) summary.matching += 1;
    else {
      summary.byReason[reason] += 1;
      mismatches.push({ ...expected, actual, reason });
    }
    report();
  };
  const rejected = options.rejectedLines ?? new Set<number>();
  for (const [groupId, rows] of byGroup) {
    const kept = rows.filter((row) => !rejected.has(row.line));
    for (const row of rows) if (rejected.has(row.line)) record(row, undefined, 'REJECTED');
    if (kept.length === 0) byGroup.delete(groupId);
    else byGroup.set(groupId, kept);
  }
  try {
    const groupIds = [...byGroup.keys()];
    const infos = new Map<string, GroupInfo | GatewayError>();
    for (let start = 0; start < groupIds.length; start += MAX_GROUPS_PER_INFO_CALL) {
      for (const [groupId, info] of await api.getGroupInfos(groupIds.slice(start, start + MAX_GROUPS_PER_INFO_CALL))) infos.set(groupId, info);
    }
    const work: Array<() => Promise<void>> = [];
    for (const [groupId, rows] of byGroup) {
      const info = infos.get(groupId)!;
      if (info instanceof GatewayError) {
        if (info.code !== GatewayErrorCode.GROUP_NOT_FOUND) throw info;
        rows.forEach((row) => record(row, undefined, 'GROUP_NOT_FOUND'));
      } else if (info.type === 'AVChatRoom' || info.type === 'ChatRoom') {
        // The import refuses these (IM ignores sets there), so nothing of the file can hold in them.
        rows.forEach((row) => record(row, undefined, 'UNSUPPORTED_GROUP_TYPE'));
      } else {
        for (let start = 0; start < rows.length; start += MAX_ACCOUNTS_PER_MEMBER_INFO_CALL) {
          const chunk = rows.slice(start, start + MAX_ACCOUNTS_PER_MEMBER_INFO_CALL);
          work.push(async () => {
            const seqs = await api.getReadMsgSeqs(groupId, chunk.map((row) => row.memberAccount));
            for (const row of chunk) {
              const msgSeq = seqs.get(row.memberAccount);
              if (msgSeq === undefined) record(row, undefined, 'NOT_MEMBER');
              else {
                const actual = unreadCountOf(info.nextMsgSeq, msgSeq);
                record(row, actual, reasonFor(row.expected, actual, info.nextMsgSeq - 1));
              }
            }
          });
        }
      }
    }
    await inParallel(work, READS_IN_FLIGHT);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    summary.fatal = `${error.code}: ${error.message}`;
  }
  writeMismatches(options.mismatchesPath, mismatches);
  report(true);
  progress?.finish();
  return { ...summary, seconds: (Date.now() - started) / 1000 };
}

/** The lines an import refused, from its rejects file (`line` column); none when the file does not exist. */
export async function rejectedLinesOf(rejectsPath: string): Promise<Set<number> | undefined> {
  if (!(await stat(rejectsPath).then(() => true, () => false))) return undefined;
  const lines = new Set<number>();
  for await (const row of readRows(rejectsPath, 'csv')) {
    const line = Number(row.fields?.line);
    if (Number.isInteger(line) && line > 0) lines.add(line);
  }
  return lines;
}

/** Matching (undefined), IM's clamping, or a real difference. */
function reasonFor(expected: number, actual: number, messageCount: number): MismatchReason | undefined {
  if (actual === expected) return undefined;
  return expected > messageCount && actual === messageCount ? 'CLAMPED' : 'DIFFERENT';
}

/** The file's valid rows, the last one per member, grouped by group. */
async function expectedValues(options: VerifyOptions): Promise<{ byGroup: Map<string, Expected[]>; invalid: number; members: number }> {
  const latest = new Map<string, Expected>();
  let invalid = 0;
  for await (const row of readRows(options.file, options.format)) {
    if (row.fields === undefined) {
      invalid += 1;
      continue;
    }
    try {
      const update = validUpdate(row.fields, 'row');
      const key = memberKey(update);
      latest.delete(key); // re-inserted: the member's place is its last line
      latest.set(key, { line: row.line, groupId: update.groupId, memberAccount: update.memberAccount, expected: update.unreadCount });
    } catch {
      invalid += 1;
    }
  }
  const byGroup = new Map<string, Expected[]>();
  for (const expected of latest.values()) {
    const rows = byGroup.get(expected.groupId);
    if (rows === undefined) byGroup.set(expected.groupId, [expected]);
    else rows.push(expected);
  }
  return { byGroup, invalid, members: latest.size };
}

async function inParallel(work: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < work.length) await work[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(width, work.length) }, lane));
}

function writeMismatches(path: string, mismatches: Mismatch[]): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${MISMATCH_COLUMNS.join(',')}\n`);
    for (const m of mismatches.sort((a, b) => a.line - b.line)) {
      writeSync(fd, `${[m.line, csvCell(m.groupId), csvCell(m.memberAccount), m.expected, m.actual ?? '', m.reason].join(',')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}
