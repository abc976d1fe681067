import { memberKey, type GroupMemberRef } from '../domain/member';
import { hasLanded, type HeldCount } from '../domain/unread';
import { ABANDONED_CALL_LIFETIME_MS } from './abandoned-calls';

/**
 * How long after an abandoned call was written its member is read back: twice the window IM is assumed to
 * apply it in, so a call delayed past that assumption (a latency spike) has landed by then too. A call IM
 * applies later still is not repaired (docs/architecture.md: "No stale write after a timeout").
 */
export const LATE_WRITE_REPAIR_AFTER_MS = 2 * ABANDONED_CALL_LIFETIME_MS;
/** Due members are read back together this often: one member-info call per group and 50 members. */
const REPAIR_SWEEP_MS = 1000;

/** A member read back, or a value written again because of what the read found. */
export type RepairStep = 'read' | 'rewrite';

export interface LateWriteRepairOptions {
  /** What IM holds now (null: not a member any more), through the batched reads. */
  read(member: GroupMemberRef): Promise<HeldCount | null>;
  /**
   * The value last answered OK for the member, when nothing newer is on its way (undefined then: that newer
   * call sets IM anyway). `answeredHere`: the last value this process saw answered.
   */
  lastApplied(member: GroupMemberRef, answeredHere: number | undefined): Promise<number | undefined>;
  /** Sends `value` again as a new update of the member; resolves once IM applied it. */
  rewrite(member: GroupMemberRef, value: number): Promise<void>;
  /** Each member read back, and each rewrite it caused, for metrics. */
  onStep?: (step: RepairStep) => void;
  onFailure?: (member: GroupMemberRef, error: unknown) => void;
  afterMs?: number;
}

interface Watched {
  member: GroupMemberRef;
  /** performance.now() after which the member is read back. */
  readAt: number;
  /** The values of the member's abandoned calls: what a late write can leave at IM. */
  abandonedValues: Set<number>;
  answered?: number;
}

/**
 * Repairs what a late write leaves standing. A call abandoned without IM's answer may still be applied; the
 * member's next call waits out the window it is assumed to land in (abandoned-calls.ts), but IM may apply it
 * later than that. So the member is read back once {@link LATE_WRITE_REPAIR_AFTER_MS} has passed, and when
 * IM holds one of its abandoned values instead of the value last answered OK (after IM's clamping), that
 * value is written again. A count IM holds for another reason — a message arrived, the member read some —
 * matches neither and is left alone.
 */
export class LateWriteRepair {
  private readonly watched = new Map<string, Watched>();
  private readonly timer: NodeJS.Timeout;
  private readonly afterMs: number;

  constructor(private readonly options: LateWriteRepairOptions) {
    this.afterMs = options.afterMs ?? LATE_WRITE_REPAIR_AFTER_MS;
    this.timer = setInterval(() => void this.sweep(), REPAIR_SWEEP_MS).unref();
  }

  /** A call carrying `value` for the member was written at `writtenAt` (performance.now()) and given up. */
  abandoned(member: GroupMemberRef, value: number, writtenAt: number): void {
    const key = memberKey(member);
    const entry = this.watched.get(key) ?? { member: { groupId: member.groupId, memberAccount: member.memberAccount }, readAt: 0, abandonedValues: new Set<number>() };
    entry.readAt = Math.max(entry.readAt, writtenAt + this.afterMs);
    entry.abandonedValues.add(value);
    this.watched.set(key, entry);
  }

  /** IM answered OK for the member with `value`: the value a repair restores. */
  answered(member: GroupMemberRef, value: number): void {
    const entry = this.watched.get(memberKey(member));
    if (entry !== undefined) entry.answered = value;
  }

  /** Members waiting for their read-back. */
  get size(): number {
    return this.watched.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Reads back every due member at once, so the read batcher puts 50 of a group in one call. */
  private async sweep(): Promise<void> {
    const now = performance.now();
    const due: Watched[] = [];
    for (const [key, entry] of this.watched) {
      if (entry.readAt > now) continue;
      this.watched.delete(key);
      due.push(entry);
    }
    await Promise.all(due.map((entry) => this.repair(entry).catch((error: unknown) => this.options.onFailure?.(entry.member, error))));
  }

  private async repair({ member, abandonedValues, answered }: Watched): Promise<void> {
    this.options.onStep?.('read');
    const held = await this.options.read(member);
    if (held === null) return;
    const latest = await this.options.lastApplied(member, answered);
    if (latest === undefined || hasLanded(latest, held)) return;
    if (![...abandonedValues].some((value) => hasLanded(value, held))) return;
    this.options.onStep?.('rewrite');
    await this.options.rewrite(member, latest);
  }
}
