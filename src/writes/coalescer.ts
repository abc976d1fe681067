import DataLoader from 'dataloader';
import { DEFAULT_COALESCE_WINDOW_MS } from '../config/defaults';
import { memberKey, type GroupMemberRef, type UnreadCountOutcome, type UnreadCountUpdate } from '../domain/member';
import type { CallHooks } from '../tencent/commands';
import type { SendResult } from './member-order';


export interface CoalescerOptions {
  /** Default {@link DEFAULT_COALESCE_WINDOW_MS}; 0 batches only updates made in the same tick. */
  windowMs?: number;
  /** Reports how many updates one IM call served beyond the first, for metrics. */
  onMerged?: (extraUpdates: number) => void;
  /**
   * Stamps each update's arrival order when it is accepted (replicas: a sequence number in Redis), so an
   * update held back behind a member's in-flight call still counts as arriving when it arrived.
   */
  stamp?: (update: UnreadCountUpdate) => Promise<number>;
  /** Resolves when the member's next call may go out (after an abandoned call can no longer land). */
  holdUntilSafe?: (memberKey: string) => Promise<void> | void;
  /** Updates accepted and not yet answered, at most; beyond it `overloaded` is thrown at once. Default unbounded. */
  maxPendingUpdates?: number;
  /** The refusal for an update beyond {@link maxPendingUpdates}, given how many are pending. */
  overloaded?: (pending: number) => Error;
  /**
   * The bound on an update's wait from arrival to its IM call (IM_MAX_QUEUE_WAIT_MS), kept with
   * `estimatedWaitMs` and refused with `waitTooLong` (how much too long: when to try again).
   */
  maxWaitMs?: number;
  /** How long a call asking the limiter now would wait for its permit. */
  estimatedWaitMs?: () => number;
  waitTooLong?: (retryAfterMs: number) => Error;
}

/** At a shutdown deadline: what IM has certainly not applied, and what it may have (written, not answered). */
export interface Unanswered {
  unsent: UnreadCountUpdate[];
  inDoubt: UnreadCountUpdate[];
}

/** What a window hands each update: the settlement of its member's round. */
interface MemberRound {
  settled: Promise<UnreadCountOutcome>;
}

/** The updates that will be answered by one IM call. */
interface Round {
  unreadCount: number;
  order?: number;
  callers: number;
  /** performance.now() by which the call should have its permit: its first update's arrival plus the bound. */
  deadline: number;
  /** The call has started (past the member's hold): later updates can no longer change its value. */
  sending: boolean;
  /** An attempt of this round's call was written to the wire: IM may have applied its value. */
  written: boolean;
  settled: Promise<UnreadCountOutcome>;
  resolve: (outcome: UnreadCountOutcome) => void;
  reject: (error: unknown) => void;
}

interface MemberState {
  groupId: string;
  memberAccount: string;
  inFlight?: Round;
  next?: Round;
}

/**
 * The process-wide write coalescer for set_unread_msg_num.
 *
 * GraphQL runs root mutation fields one after another, so concurrency comes from different requests;
 * that is why this is shared by the whole process, not created per request. A DataLoader (result cache
 * off: a write is never answered from a cache) collects the updates of one window; per member:
 *
 * - updates in the same window merge: the last one wins, all share one IM call and its outcome;
 * - IM calls for one member never overlap. Updates that arrive while a call is in flight wait as one
 *   `next` round that keeps only the latest value, so a burst costs at most two calls and the member
 *   ends with the value that arrived last. An update equal to the in-flight value joins that call.
 * - different members go out in parallel; the rate limiter below paces them.
 *
 * `send` includes the retries, so a retry of an older value can never land after a newer one.
 */
export class UnreadCountCoalescer {
  /** Batches one window; each update learns its member's round, and waits for that round alone. */
  private readonly loader: DataLoader<UnreadCountUpdate, MemberRound, string>;
  private readonly members = new Map<string, MemberState>();
  /** Every accepted update not yet answered, so a shutdown that runs out of time can name them. */
  private readonly unanswered = new Set<UnreadCountUpdate>();

  constructor(
    private readonly send: (update: UnreadCountUpdate, hooks: CallHooks) => Promise<SendResult>,
    private readonly options: CoalescerOptions = {},
  ) {
    const windowMs = options.windowMs ?? DEFAULT_COALESCE_WINDOW_MS;
    this.loader = new DataLoader((updates) => this.dispatchWindow(updates), {
      cache: false,
      batchScheduleFn: windowMs > 0 ? (dispatch) => setTimeout(dispatch, windowMs) : undefined,
    });
  }

  /** Accepts an update; resolves when IM has applied it (or a later value for the same member). */
  async submit(update: UnreadCountUpdate): Promise<UnreadCountOutcome> {
    const { maxPendingUpdates, overloaded } = this.options;
    if (maxPendingUpdates !== undefined && this.unanswered.size >= maxPendingUpdates && overloaded !== undefined) {
      throw overloaded(this.unanswered.size);
    }
    this.admit(update);
    const accepted = { ...update };
    this.unanswered.add(accepted);
    try {
      // An update stamped already (a late-write repair's) keeps its number.
      if (this.options.stamp !== undefined && accepted.order === undefined) accepted.order = await this.options.stamp(update);
      const { settled } = await this.loader.load(accepted);
      return await settled;
    } finally {
      this.unanswered.delete(accepted);
    }
  }

  /**
   * Refuses at once an update that cannot reach IM within the bound: the limiter's wait now, twice over when
   * the member's call before it has no permit yet (this one's call goes after that call's wait, then waits its own).
   */
  private admit(update: GroupMemberRef): void {
    const { maxWaitMs, estimatedWaitMs, waitTooLong } = this.options;
    if (maxWaitMs === undefined || estimatedWaitMs === undefined || waitTooLong === undefined) return;
    const inFlight = this.members.get(memberKey(update))?.inFlight;
    const expectedMs = (inFlight !== undefined && !inFlight.written ? 2 : 1) * estimatedWaitMs();
    if (expectedMs > maxWaitMs) throw waitTooLong(expectedMs - maxWaitMs);
  }

  /**
   * A round about to call IM whose permit would come after its deadline: refused now, not answered late. One
   * whose permit is there at once goes, even a little past it: the wait is spent already.
   */
  private pastDeadline(round: Round): Error | undefined {
    const { estimatedWaitMs, waitTooLong } = this.options;
    if (estimatedWaitMs === undefined || waitTooLong === undefined) return undefined;
    const permitInMs = estimatedWaitMs();
    const overMs = performance.now() + permitInMs - round.deadline;
    return permitInMs > 0 && overMs > 0 ? waitTooLong(overMs) : undefined;
  }

  /** Updates accepted and not yet answered. */
  get pendingUpdates(): number {
    return this.unanswered.size;
  }

  /** Whether an update of this member is accepted and not yet answered (a rare question: it scans them). */
  hasPending(member: GroupMemberRef): boolean {
    const key = memberKey(member);
    if (this.members.has(key)) return true;
    for (const update of this.unanswered) if (memberKey(update) === key) return true;
    return false;
  }

  /**
   * The latest unanswered update per member, in the order accepted: what a replay would need to send. In
   * doubt when its value is the member's call already written to IM, unsent otherwise.
   */
  unansweredUpdates(): Unanswered {
    const latest = new Map<string, UnreadCountUpdate>();
    for (const update of this.unanswered) latest.set(memberKey(update), update);
    const unanswered: Unanswered = { unsent: [], inDoubt: [] };
    for (const [key, update] of latest) {
      const state = this.members.get(key);
      const atIm = state?.next === undefined && state?.inFlight?.written === true && state.inFlight.unreadCount === update.unreadCount;
      (atIm ? unanswered.inDoubt : unanswered.unsent).push(update);
    }
    return unanswered;
  }

  private async dispatchWindow(updates: readonly UnreadCountUpdate[]): Promise<MemberRound[]> {
    const lastByMember = new Map<string, { update: UnreadCountUpdate; callers: number }>();
    for (const update of updates) {
      const key = memberKey(update);
      const previous = lastByMember.get(key);
      const latest = previous === undefined || isNewer(update, previous.update) ? update : previous.update;
      lastByMember.set(key, { update: latest, callers: (previous?.callers ?? 0) + 1 });
    }
    const roundByMember = new Map<string, Promise<UnreadCountOutcome>>();
    for (const [key, { update, callers }] of lastByMember) {
      roundByMember.set(key, this.enqueue(key, update, callers));
    }
    // Each caller gets its member's round, not the window's: no caller waits for another member's call.
    return updates.map((update) => ({ settled: roundByMember.get(memberKey(update))! }));
  }

  /**
   * A shutdown past its deadline: every caller still waiting for a member's call (in flight or next) is
   * answered with `error` at once, so clients get a coded answer rather than a reset connection. Calls in
   * flight are not stopped here; their outcome no longer reaches anyone.
   */
  failPending(error: Error): void {
    for (const state of this.members.values()) {
      state.inFlight?.reject(error);
      state.next?.reject(error);
    }
  }

  private enqueue(key: string, update: UnreadCountUpdate, callers: number): Promise<UnreadCountOutcome> {
    const { unreadCount, order } = update;
    let state = this.members.get(key);
    if (state === undefined) {
      state = { groupId: update.groupId, memberAccount: update.memberAccount };
      this.members.set(key, state);
    }
    if (state.next !== undefined) {
      mergeInto(state.next, update, callers);
      return state.next.settled;
    }
    if (state.inFlight !== undefined && !state.inFlight.sending) {
      // Held (an abandoned call may still land): the call has not started, so it takes the latest value.
      mergeInto(state.inFlight, update, callers);
      return state.inFlight.settled;
    }
    if (state.inFlight !== undefined) {
      // Same value, and (across replicas) the same place in the order: that call answers this update too.
      if (state.inFlight.unreadCount === unreadCount && order === state.inFlight.order) {
        state.inFlight.callers += callers;
        return state.inFlight.settled;
      }
      state.next = this.newRound(unreadCount, order, callers);
      return state.next.settled;
    }
    const round = this.newRound(unreadCount, order, callers);
    this.start(key, state, round);
    return round.settled;
  }

  private newRound(unreadCount: number, order: number | undefined, callers: number): Round {
    return newRound(unreadCount, order, callers, performance.now() + (this.options.maxWaitMs ?? Infinity));
  }

  private start(key: string, state: MemberState, round: Round): void {
    state.inFlight = round;
    const { groupId, memberAccount } = state;
    // The value is read when the call starts: the round may have taken later updates until then.
    const sent = Promise.resolve()
      .then(() => this.options.holdUntilSafe?.(key))
      .then(() => {
        const late = this.pastDeadline(round);
        if (late !== undefined) throw late;
        round.sending = true;
        return this.send({ groupId, memberAccount, unreadCount: round.unreadCount, order: round.order }, { onWritten: () => (round.written = true) });
      })
      .then(
        (sent) => ({ ok: true as const, sent }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    void sent.then((result) => {
      // Hand the member on before answering, so no late update can join a finished round.
      state.inFlight = undefined;
      const next = state.next;
      state.next = undefined;
      if (next !== undefined) this.start(key, state, next);
      else this.members.delete(key);
      if (round.callers > 1) this.options.onMerged?.(round.callers - 1);
      if (result.ok) {
        round.resolve({ unreadCount: result.sent?.unreadCount ?? round.unreadCount, coalesced: round.callers > 1 || result.sent?.coalesced === true });
      }
      else round.reject(result.error);
    });
  }
}

/** The round takes the update's value when it is newer, and answers its callers too. */
function mergeInto(round: Round, update: { unreadCount: number; order?: number }, callers: number): void {
  if (isNewer(update, round)) {
    round.unreadCount = update.unreadCount;
    round.order = update.order;
  }
  round.callers += callers;
}

/** Later stamps win; without stamps (one process), the later arrival — the caller's order — wins. */
function isNewer(update: { order?: number }, than: { order?: number }): boolean {
  return update.order === undefined || than.order === undefined || update.order >= than.order;
}

function newRound(unreadCount: number, order: number | undefined, callers: number, deadline: number): Round {
  let resolve!: Round['resolve'];
  let reject!: Round['reject'];
  const settled = new Promise<UnreadCountOutcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Handled here too: a round can fail before its callers' awaits are attached (they learn of it a tick later).
  settled.catch(() => undefined);
  return { unreadCount, order, callers, deadline, sending: false, written: false, settled, resolve, reject };
}
