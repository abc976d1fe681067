import { onCleanup } from '../support/cleanup';
import { FakeIm, OK_REPLY, type ReceivedRequest } from '../support/fake-im';
import { SET_UNREAD_BATCH, startTestGateway, type TestGateway } from '../support/gateway';
import { redisForTests } from '../support/redis';
import { until } from '../support/wait';
import { ImCommand } from '../../src/tencent/commands';

const GROUP = '@TGS#2LATEWRITE';
/** The group's next message will be number 1001: 1,000 messages, so counts up to 1,000 land as sent. */
const NEXT_MSG_SEQ = 1001;
const MEMBERS = Array.from({ length: 100 }, (_, i) => `m${i}`);
/** The first call of these members is applied by IM 6 s after it arrives: past the 5 s the docs assume. */
const LATE = new Set(MEMBERS.slice(0, 5));
const LATE_APPLY_MS = 6000;

/**
 * A fake IM with state: set calls move the member's MsgSeq as IM does; the first call of each LATE member is
 * applied 6 s after it arrived (its answer comes then too, long after the gateway gave up on it).
 */
function imWithLateWrites(): { fake: FakeIm; unreadOf: (member: string) => number } {
  const readSeq = new Map<string, number>(MEMBERS.map((member) => [member, NEXT_MSG_SEQ - 1]));
  const firstCallSeen = new Set<string>();
  const fake = new FakeIm(
    async (request: ReceivedRequest) => {
      const { body } = request;
      if (request.command === ImCommand.GET_GROUP_INFO) return { ...OK_REPLY, GroupInfo: [{ GroupId: GROUP, ErrorCode: 0, Type: 'Public', NextMsgSeq: NEXT_MSG_SEQ }] };
      if (request.command === ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO) {
        return { ...OK_REPLY, MemberList: (body.Member_List_Account as string[]).map((account) => ({ Member_Account: account, MsgSeq: readSeq.get(account) })) };
      }
      if (request.command !== ImCommand.SET_UNREAD_MSG_NUM) return OK_REPLY;
      const member = body.Member_Account as string;
      if (LATE.has(member) && !firstCallSeen.has(member)) {
        firstCallSeen.add(member);
        await new Promise((resolve) => setTimeout(resolve, LATE_APPLY_MS));
      }
      readSeq.set(member, NEXT_MSG_SEQ - 1 - Math.min(body.UnreadMsgNum as number, NEXT_MSG_SEQ - 1));
      return OK_REPLY;
    },
    { groupTypes: 'scripted' },
  );
  return { fake, unreadOf: (member) => NEXT_MSG_SEQ - 1 - readSeq.get(member)! };
}

async function setAll(gateway: TestGateway, unreadCount: number): Promise<void> {
  const { body } = await gateway.graphql(SET_UNREAD_BATCH, { inputs: MEMBERS.map((memberAccount) => ({ groupId: GROUP, memberAccount, unreadCount })) });
  const results = body.data.setGroupMemberUnreadCounts.results as Array<{ ok: boolean; unreadCount: number }>;
  expect(results.filter((result) => result.ok && result.unreadCount === unreadCount)).toHaveLength(MEMBERS.length);
}

async function repairsCounted(gateway: TestGateway): Promise<{ read: number; rewrite: number }> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const count = (step: string) => Number(new RegExp(`im_gateway_late_write_repairs_total\\{step="${step}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { read: count('read'), rewrite: count('rewrite') };
}

describe('a late IM write is repaired (docs/architecture.md: "No stale write after a timeout")', () => {
  it.each([
    ['one process', false],
    ['two replicas on Redis, the newer value sent through the other one', true],
  ])(
    '%s: 5 of 100 members have their first call applied 6 s late, after the newer value; they are read back and end at the latest value',
    async (_name, replicas) => {
      const { fake, unreadOf } = imWithLateWrites();
      const imUrl = await fake.start();
      onCleanup(() => fake.close());
      const env: Record<string, string> = { IM_TIMEOUT_MS: '1000' };
      if (replicas) {
        const redis = await redisForTests();
        onCleanup(() => redis.stop());
        Object.assign(env, { IM_SHARED_STATE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix });
      }
      const first = await startTestGateway(env, imUrl);
      onCleanup(() => first.stop());
      const second = replicas ? await startTestGateway(env, imUrl) : first;
      if (replicas) onCleanup(() => second.stop());

      await setAll(first, 1); // the late members' first attempts time out, their retries apply 1
      await setAll(second, 2); // the late members wait out the 5 s window, then 2 is applied ...
      const setCallsBefore = fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).length;
      // ... and at 6 s the abandoned calls land with 1: without a repair, these members would end at 1.
      await until(() => [...LATE].every((member) => unreadOf(member) === 1), 'the late writes to land', 15_000);
      expect(MEMBERS.filter((member) => unreadOf(member) !== 2)).toEqual([...LATE]);

      await until(() => MEMBERS.every((member) => unreadOf(member) === 2), 'every member back at its latest value', 20_000);
      const repairedBy = replicas ? [first, second] : [first];
      const counted = await Promise.all(repairedBy.map(repairsCounted));
      expect(counted.reduce((sum, c) => sum + c.read, 0)).toBeGreaterThanOrEqual(LATE.size);
      expect(counted.reduce((sum, c) => sum + c.rewrite, 0)).toBe(LATE.size);
      // Only the late members were written again, once each; their read-back shared member-info calls.
      const rewrites = fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).slice(setCallsBefore).map((request) => request.body.Member_Account as string);
      expect(rewrites.sort()).toEqual([...LATE].sort());
      const readBacks = fake.requestsFor(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO);
      expect(readBacks.length).toBeLessThanOrEqual(2);
      expect(readBacks.flatMap((request) => request.body.Member_List_Account as string[]).sort()).toEqual([...LATE].sort());
    },
    60_000,
  );
});
