import fc from 'fast-check';
import calculateSlot from 'cluster-key-slot';
import { budgetKeys } from '../../src/outbound/limiter/redis';
import { ReplicaConnection } from '../../src/replicas/redis-connection';
import { ImCommand } from '../../src/tencent/commands';
import { memberKeys } from '../../src/writes/member-order-redis';
import { createLogger } from '../../src/observability/logger';

/** A connection used only for its key layout: closed at once, it never reaches a server. */
function layout(keyPrefix: string): ReplicaConnection {
  const connection = new ReplicaConnection({ topology: { kind: 'single', url: 'redis://127.0.0.1:1' }, keyPrefix, logger: createLogger({ level: 'silent' }), resetHolds: { membersMs: 0, budgetMs: 0 } });
  connection.close();
  return connection;
}

// Redis Cluster runs a script only when all its keys hash to one slot: the multi-key scripts' keys, with the
// production key layout (hash tags), for any group, account, command and key prefix.
describe('every Lua script’s keys share one Redis Cluster slot', () => {
  it('CLAIM_MEMBER and RELEASE_MEMBER: a member’s state and lease, whatever the IDs hold (braces included)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (prefix, groupId, memberAccount) => {
        const { member, lease } = memberKeys(layout(prefix), { groupId, memberAccount });
        return calculateSlot(member) === calculateSlot(lease);
      }),
      { numRuns: 300 },
    );
  });

  it('TAKE_SEND: a command’s GCRA time and sends, for every IM command and key prefix', () => {
    for (const command of Object.values(ImCommand)) {
      for (const prefix of ['im-gateway:1400000001:', 'a{b}c:', '{', '}', '']) {
        const { tat, sends } = budgetKeys(layout(prefix), command);
        expect(calculateSlot(tat)).toBe(calculateSlot(sends));
      }
    }
  });

  it('the other scripts take one key each (RESERVE_SLOT, MARK_WRITTEN, SUBMIT_UPDATE, RESTAMP_APPLIED, RENEW_LEASE, RESET_MARKER, HEARTBEAT): nothing to split', () => {
    // The number of keys each script declares (redis-connection.ts) is what Cluster checks.
    const connection = layout('p:');
    const declared = Object.entries((connection.redis as unknown as { scriptsSet: Record<string, { numberOfKeys: number }> }).scriptsSet).map(([name, script]) => [name, script.numberOfKeys]);
    expect(Object.fromEntries(declared)).toEqual({ reserveSlot: 1, takeSend: 2, markWritten: 1, submitUpdate: 1, restampApplied: 1, claimMember: 2, releaseMember: 2, renewLease: 1, resetMarker: 1, heartbeat: 1 });
  });
});
