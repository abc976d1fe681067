import { postGraphQL, SET_UNREAD } from './gateway';
import type { FakeImStats, GatewayProcess } from './process';
import { adminAuthorization } from './test-app';
import { until } from './wait';

const auth = adminAuthorization();

/**
 * The load of the failover drills (issue 21): `members` members, each updated one value after another (1, 2,
 * 3, …, one a second) through the gateways in turn, until stopped. It keeps what a caller saw, so that the
 * drill can tell what IM must hold: each member's last value answered OK, and the later values whose callers
 * got an error (IM may have applied those).
 */
export class DrillLoad {
  readonly outcomes = { ok: 0, failed: 0 };
  private readonly lastOk = new Map<string, number>();
  private readonly failedAfterOk = new Map<string, number[]>();
  private readonly marks: Array<{ at: number; firstOk: number }> = [];
  private running = true;
  private readonly loops: Array<Promise<void>>;

  constructor(gatewayUrls: string[], members: number, groupId: string, memberPrefix: string) {
    this.loops = Array.from({ length: members }, async (_, m) => {
      const memberAccount = `${memberPrefix}${m}`;
      for (let value = 1; this.running; value++) {
        const sentAt = Date.now();
        const url = gatewayUrls[(m + value) % gatewayUrls.length];
        const { body } = await postGraphQL(url, SET_UNREAD, { input: { groupId, memberAccount, unreadCount: value } }, auth).catch(() => ({ body: { errors: [{}] } }));
        if (body.errors === undefined) {
          this.outcomes.ok += 1;
          this.lastOk.set(memberAccount, value);
          for (const mark of this.marks) if (mark.firstOk === 0 && sentAt > mark.at) mark.firstOk = Date.now();
        } else {
          this.outcomes.failed += 1;
          this.failedAfterOk.set(memberAccount, [...(this.failedAfterOk.get(memberAccount) ?? []), value]);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000)); // the offered rate, not a wait for a condition
      }
    });
  }

  /** A fault happens now: the answer tells when the first update sent after it was answered OK (0 until then). */
  mark(): () => number {
    const mark = { at: Date.now(), firstOk: 0 };
    this.marks.push(mark);
    return () => mark.firstOk;
  }

  /**
   * Resolves once an update sent after the fault (`firstOk`, from mark()) was answered OK, and `moreOk` more
   * after that. When they do not come, each gateway's shared-state log lines and errors are printed first.
   */
  async carriesOn(firstOk: () => number, moreOk: number, what: string, gateways: GatewayProcess[]): Promise<void> {
    try {
      await until(() => firstOk() > 0, `writes to succeed again after ${what}`, 60_000);
      const okBefore = this.outcomes.ok;
      await until(() => this.outcomes.ok >= okBefore + moreOk, `the load to run after ${what}`, 60_000);
    } catch (error) {
      gateways.forEach((gateway, i) => process.stdout.write(`gateway ${i} after ${what}, not recovered: ${JSON.stringify(sharedStateLines(gateway))}\n${gateway.process.stderr().slice(-2000)}\n`));
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * Lost: a member's last OK value never reached IM. Stale: IM's last value for a member is neither its last
   * OK value nor a later one whose caller got an error — an older value overwrote a newer one.
   */
  verdict(stats: FakeImStats): { lost: number; stale: number } {
    const atIm = new Map<string, number[]>();
    for (const call of stats.setCalls.filter((c) => c.errorCode === 0)) {
      const member = call.member.split('\n')[1];
      atIm.set(member, [...(atIm.get(member) ?? []), call.value]);
    }
    let lost = 0;
    let stale = 0;
    for (const [member, value] of this.lastOk) {
      const values = atIm.get(member) ?? [];
      if (!values.includes(value)) lost += 1;
      const last = values.at(-1);
      if (last !== value && !(this.failedAfterOk.get(member) ?? []).filter((v) => v > value).includes(last!)) stale += 1;
    }
    return { lost, stale };
  }
}

/** A gateway's log lines about Redis and the shared state (connection lost and back, resets), shortened. */
export function sharedStateLines(gateway: GatewayProcess): string[] {
  return gateway.process.logs.filter((line) => /redis|SHARED STATE|hold/i.test(String(line.msg))).map((line) => `${line.time ?? ''} ${String(line.msg).slice(0, 60)}${line.err ? ` (${String(line.err.message).slice(0, 80)})` : ''}`);
}

/**
 * Over TLS (or any topology): `count` updates (`<memberPrefix>0` = 1, `…1` = 2, …) through one gateway process,
 * all at once; each must be answered OK and be at IM, and each member's ordering state must be on Redis —
 * `keysOnRedis(pattern)` lists the keys matching a KEYS pattern wherever the test's Redis keeps them.
 */
export async function expectUpdatesLandWithStateOnRedis(gatewayUrl: string, im: { stats(): Promise<FakeImStats> }, options: { groupId: string; keyPrefix: string; memberPrefix: string; count: number; keysOnRedis: (pattern: string) => string[] }): Promise<void> {
  const { groupId, keyPrefix, memberPrefix, count, keysOnRedis } = options;
  const members = Array.from({ length: count }, (_, i) => `${memberPrefix}${i}`);
  const results = await Promise.all(members.map((memberAccount, i) => postGraphQL(gatewayUrl, SET_UNREAD, { input: { groupId, memberAccount, unreadCount: i + 1 } }, auth)));
  expect(results.map(({ body }) => body.errors)).toEqual(members.map(() => undefined));
  const atIm = (await im.stats()).setCalls.map(({ member, value }) => `${member.split('\n')[1]}=${value}`);
  expect(atIm.sort()).toEqual(members.map((member, i) => `${member}=${i + 1}`).sort());
  const stateKeys = keysOnRedis(`${keyPrefix}{m:${groupId}:${memberPrefix}*}:state`);
  expect(stateKeys.sort()).toEqual(members.map((member) => `${keyPrefix}{m:${groupId}:${member}}:state`).sort());
}
