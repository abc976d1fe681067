import { stat } from 'node:fs/promises';
import { unreadCountOf } from '../domain/unread';
import { GatewayError, GatewayErrorCode } from '../errors';
import { Semaphore } from '../lib/concurrency';
import type { GroupInfo, ImApi } from '../tencent/commands';
import { MAX_ACCOUNTS_PER_MEMBER_INFO_CALL, MAX_GROUPS_PER_INFO_CALL, MAX_MEMBERS_PER_PAGE_CALL } from '../tencent/commands';
import { validUpdate } from '../writes/set-unread-count';
import { LatestValues, type ExpectedRow } from './latest-values';
import type { ProgressReporter } from './progress';
import { MISMATCH_REASONS, reasonFor, writeMismatches, type MismatchReason } from './mismatches';
import { ImportFileError, readRows, type ImportFormat } from './rows';

/** IM reads in flight at once; the limiter paces them. */
const READS_IN_FLIGHT = 16;

/**
 * How members are read back: `members` asks for the file's members 50 a call (get_specified_group_member_info);
 * `pages` lists each group 200 a call (get_group_member_info); `auto` picks, per group, whichever costs fewer
 * calls — pages when the file names more than a quarter of the group.
 */
export const READ_STRATEGIES = ['auto', 'members', 'pages'] as const;
export type ReadStrategy = (typeof READ_STRATEGIES)[number];

export interface VerifyOptions {
  file: string;
  format: ImportFormat;
  mismatchesPath: string;
  /** The import's rejects file: its rows are reported as REJECTED, not read from IM. Ignored when it does not exist. */
  rejectsPath?: string;
  readBy?: ReadStrategy;
}

export interface VerifySummary {
  /** Distinct members checked (a member listed twice is checked against its last value). */
  members: number;
  matching: number;
  byReason: Record<MismatchReason, number>;
  /** Rows that are not valid updates (see the import's rejects file); not checked. */
  invalid: number;
  /** IM read calls made, by command. */
  readCalls: { groupInfo: number; memberInfo: number; memberPages: number };
  /** Set when IM could not answer at all (credentials, unreachable). */
  fatal?: string;
  mismatchesPath: string;
  seconds: number;
}

/**
 * `verify-unread`: did a migration land? Reads every member of an import file back from IM (NextMsgSeq and
 * MemberNum per group, 50 groups a call; then each member's MsgSeq, by name 50 a call or by listing the group
 * 200 a call, whichever is fewer calls) through the gateway's own pipeline, and writes the rows that do not
 * hold to the mismatches file, in line order. The file's rows wait on disk ({@link LatestValues}), so memory
 * does not grow with the file.
 */
export async function verifyUnread(options: VerifyOptions, api: ImApi, progress?: ProgressReporter): Promise<VerifySummary> {
  const started = Date.now();
  await stat(options.file).catch((error: NodeJS.ErrnoException) => {
    throw new ImportFileError(`cannot read ${options.file}: ${error.code ?? error.message}`);
  });
  const store = new LatestValues();
  try {
    const run = new VerifyRun(store, api, options, progress);
    await run.load();
    await run.readBack();
    writeMismatches(options.mismatchesPath, store);
    run.report(true);
    progress?.finish();
    return { ...run.summary, seconds: (Date.now() - started) / 1000 };
  } finally {
    store.close();
  }
}

class VerifyRun {
  readonly summary: VerifySummary;
  private checked = 0;
  private readonly lanes = new Semaphore(READS_IN_FLIGHT);
  private readonly running = new Set<Promise<void>>();
  /** The first read that failed outright: ends the run (fatal). */
  private failure?: GatewayError;

  constructor(
    private readonly store: LatestValues,
    private readonly api: ImApi,
    private readonly options: VerifyOptions,
    private readonly progress?: ProgressReporter,
  ) {
    const byReason = Object.fromEntries(MISMATCH_REASONS.map((reason) => [reason, 0])) as Record<MismatchReason, number>;
    this.summary = { members: 0, matching: 0, byReason, invalid: 0, readCalls: { groupInfo: 0, memberInfo: 0, memberPages: 0 }, mismatchesPath: options.mismatchesPath, seconds: 0 };
  }

  /** The file's valid rows and the import's rejected lines into the store; then each member's last row. */
  async load(): Promise<void> {
    for await (const row of readRows(this.options.file, this.options.format)) {
      try {
        if (row.fields === undefined) throw new Error(row.problem);
        const update = validUpdate(row.fields, 'row');
        this.store.add({ line: row.line, groupId: update.groupId, memberAccount: update.memberAccount, expected: update.unreadCount });
      } catch {
        this.summary.invalid += 1;
      }
    }
    const rejectsPath = this.options.rejectsPath;
    if (rejectsPath !== undefined && (await exists(rejectsPath))) {
      for await (const line of rejectedLinesOf(rejectsPath)) this.store.addRejected(line);
    }
    let rejected = 0;
    this.store.settle((row) => {
      rejected += 1;
      this.record(row, undefined, 'REJECTED');
    });
    this.summary.members = this.store.memberCount() + rejected;
  }

  async readBack(): Promise<void> {
    try {
      const batch: Array<{ groupId: string; members: number }> = [];
      for (const group of this.store.groups()) {
        batch.push(group);
        if (batch.length === MAX_GROUPS_PER_INFO_CALL) await this.readGroups(batch.splice(0));
      }
      if (batch.length > 0) await this.readGroups(batch);
      await this.settled();
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      await Promise.allSettled(this.running);
      this.summary.fatal = `${error.code}: ${error.message}`;
    }
  }

  report(force = false): void {
    const { matching, byReason } = this.summary;
    const accepted = byReason.CLAMPED + byReason.REJECTED;
    const mismatched = this.checked - matching;
    this.progress?.update({ bytesRead: this.checked, totalBytes: this.summary.members, rowsDone: this.checked, applied: matching + accepted, rejected: mismatched - accepted }, force);
  }

  private async readGroups(groups: Array<{ groupId: string; members: number }>): Promise<void> {
    this.summary.readCalls.groupInfo += 1;
    const infos = await this.api.getGroupInfos(groups.map((group) => group.groupId));
    for (const { groupId, members } of groups) {
      const info = infos.get(groupId)!;
      if (info instanceof GatewayError) {
        if (info.code !== GatewayErrorCode.GROUP_NOT_FOUND) throw info;
        for (const row of this.store.membersOf(groupId)) this.record(row, undefined, 'GROUP_NOT_FOUND');
      } else if (info.type === 'AVChatRoom' || info.type === 'ChatRoom') {
        // The import refuses these (IM ignores sets there), so nothing of the file can hold in them.
        for (const row of this.store.membersOf(groupId)) this.record(row, undefined, 'UNSUPPORTED_GROUP_TYPE');
      } else {
        if (this.byPages(info, members)) await this.readPages(groupId, info);
        await this.readByName(groupId, info);
      }
    }
  }

  /** Listing the group costs fewer calls than naming the file's members in it (or the caller asked for it). */
  private byPages(info: GroupInfo, members: number): boolean {
    const strategy = this.options.readBy ?? 'auto';
    if (strategy !== 'auto') return strategy === 'pages';
    const pages = Math.ceil((info.memberNum ?? Infinity) / MAX_MEMBERS_PER_PAGE_CALL);
    return pages < Math.ceil(members / MAX_ACCOUNTS_PER_MEMBER_INFO_CALL);
  }

  /**
   * The group page by page (Offset pages in parallel; Community groups follow `Next`), each listed member the
   * file names checked once. Members the pages miss (not members, or shifted by a join or leave between pages)
   * are then read by name.
   */
  private async readPages(groupId: string, info: GroupInfo): Promise<void> {
    const check = (members: Array<{ account: string; msgSeq: number }>) => {
      for (const member of members) {
        const row = this.store.find(groupId, member.account);
        if (row !== undefined && this.store.markChecked(row.line)) this.recordRead(row, info, member.msgSeq);
      }
    };
    if (info.type === 'Community') {
      await this.submit(async () => {
        let next = '';
        do {
          this.summary.readCalls.memberPages += 1;
          const page = await this.api.getGroupMemberPage(groupId, MAX_MEMBERS_PER_PAGE_CALL, { next });
          check(page.members);
          next = page.next ?? '';
        } while (next !== '');
      });
    } else {
      for (let offset = 0; offset < (info.memberNum ?? 0); offset += MAX_MEMBERS_PER_PAGE_CALL) {
        await this.submit(async () => {
          this.summary.readCalls.memberPages += 1;
          check((await this.api.getGroupMemberPage(groupId, MAX_MEMBERS_PER_PAGE_CALL, { offset })).members);
        });
      }
    }
    await this.settled();
  }

  /** The group's members not yet checked, 50 a call; those IM leaves out are not members. */
  private async readByName(groupId: string, info: GroupInfo): Promise<void> {
    const chunk: ExpectedRow[] = [];
    const send = async (rows: ExpectedRow[]) =>
      this.submit(async () => {
        this.summary.readCalls.memberInfo += 1;
        const seqs = await this.api.getReadMsgSeqs(groupId, rows.map((row) => row.memberAccount));
        for (const row of rows) {
          const msgSeq = seqs.get(row.memberAccount);
          if (msgSeq === undefined) this.record(row, undefined, 'NOT_MEMBER');
          else this.recordRead(row, info, msgSeq);
        }
      });
    for (const row of this.store.membersOf(groupId, true)) {
      chunk.push(row);
      if (chunk.length === MAX_ACCOUNTS_PER_MEMBER_INFO_CALL) await send(chunk.splice(0));
    }
    if (chunk.length > 0) await send(chunk);
  }

  /** Runs a read when a lane is free; the first read that fails ends the run. */
  private async submit(read: () => Promise<void>): Promise<void> {
    await this.lanes.acquire();
    if (this.failure !== undefined) {
      this.lanes.release();
      throw this.failure;
    }
    const running: Promise<void> = read()
      .catch((error: unknown) => {
        if (!(error instanceof GatewayError)) throw error;
        this.failure ??= error;
      })
      .finally(() => {
        this.lanes.release();
        this.running.delete(running);
      });
    this.running.add(running);
  }

  private async settled(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure !== undefined) throw this.failure;
  }

  private recordRead(row: ExpectedRow, info: GroupInfo, msgSeq: number): void {
    const actual = unreadCountOf(info.nextMsgSeq, msgSeq);
    this.record(row, actual, reasonFor(row.expected, actual, info.nextMsgSeq - 1));
  }

  private record(row: ExpectedRow, actual: number | undefined, reason: MismatchReason | undefined): void {
    this.checked += 1;
    if (reason === undefined) this.summary.matching += 1;
    else {
      this.summary.byReason[reason] += 1;
      this.store.addMismatch(row, actual, reason);
    }
    this.report();
  }
}

/** The lines an import refused, from its rejects file (`line` column). */
async function* rejectedLinesOf(rejectsPath: string): AsyncGenerator<number> {
  for await (const row of readRows(rejectsPath, 'csv')) {
    const line = Number(row.fields?.line);
    if (Number.isInteger(line) && line > 0) yield line;
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
