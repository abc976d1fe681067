import { onCleanup } from '../support/cleanup';
import { ImCommand } from '../../src/tencent/commands';
import { maxInAnyWindow } from '../../bench/sliding-window';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { postGraphQL, SET_UNREAD, SET_UNREAD_BATCH, startTestGateway } from '../support/gateway';
import { arrivalSummary, startFakeImProcess, startGatewayProcess, type FakeImProcess, type RunningProcess } from '../support/process';
import { redisForTests, TestRedis } from '../support/redis';
import { createLogger } from '../../src/observability/logger';
import { ReplicaConnection } from '../../src/replicas/redis-connection';
import { memberKeys } from '../../src/writes/member-order-redis';
import { adminAuthorization } from '../support/test-app';
import { until } from '../support/wait';

const GROUP = '@TGS#2CLUZEAEJ';
const NO_HOLDS = { membersMs: 0, budgetMs: 0 };
const LIMIT = 200;
const auth = adminAuthorization();

/** Tencent in miniature, in a separate process: 60007 above 200 set calls in any second; a per-member overlap count. */
const strictIm = (delayMs: number) => startFakeImProcess({ REPLY_DELAY_MS: String(delayMs), LIMIT_PER_SECOND: String(LIMIT) });

/** A scripted in-process fake for the outage test: answers every call at once. */
function okIm(): FakeIm {
  return new FakeIm(() => OK_REPLY);
}

async function startReplicas(count: number, imUrl: string, redis: { url: string; keyPrefix: string }): Promise<Array<{ process: RunningProcess; url: string }>> {
  const env = { IM_SHARED_STATE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix };
  return Promise.all(Array.from({ length: count }, () => startGatewayProcess(imUrl, env)));
}

describe('three replicas sharing one Redis (real processes)', () => {
  let redis: Awaited<ReturnType<typeof redisForTests>>;
  let im: FakeImProcess;
  let replicas: Array<{ process: RunningProcess; url: string }>;
  beforeAll(async () => {
    redis = await redisForTests();
    im = await strictIm(60);
    replicas = await startReplicas(3, im.url, redis);
    // Warm up (JIT, lazy initialisation), so timings below are the gateway's, not a cold start's.
    for (const replica of replicas) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => postGraphQL(replica.url, SET_UNREAD, { input: { groupId: GROUP, memberAccount: `warm${i}`, unreadCount: 1 } }, auth)));
    }
  });
  afterAll(async () => {
    for (const replica of replicas ?? []) replica.process.child.kill('SIGKILL');
    im?.stop();
    await redis?.stop();
  });
  beforeEach(() => im.reset());

  it('900 distinct-member updates over three replicas: never above the limit in any second, no 60007, all OK', async () => {
    // Offered at 450/s, over twice the limit: three private limiters would send it all at 450/s.
    const sent: Array<Promise<{ body: any }>> = [];
    for (let i = 0; i < 900; i++) {
      sent.push(postGraphQL(replicas[i % 3].url, SET_UNREAD, { input: { groupId: GROUP, memberAccount: `d${i}`, unreadCount: i % 100 } }, auth));
      if (i % 9 === 8) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const responses = await Promise.all(sent);
    expect(responses.filter((response) => response.body.errors !== undefined)).toEqual([]);
    const { arrivals, frequencyErrors } = await im.stats();
    expect(arrivals).toHaveLength(900);
    expect(maxInAnyWindow(arrivals)).toBeLessThanOrEqual(LIMIT);
    expect(frequencyErrors).toBe(0);
    // Paced, not bursty: 900 calls at 95 % of 200/s take about 4.7 s.
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThan(4000);
  });

  it('5.5× overload over three replicas, one of them stopped for 700 ms mid-run: 0 × 60007, ≤ 200 calls in any 990 ms at IM, all OK', async () => {
    const batches = Array.from({ length: 11 }, (_, b) => Array.from({ length: 100 }, (_, i) => ({ groupId: GROUP, memberAccount: `s${b}_${i}`, unreadCount: i % 50 })));
    const sent = batches.map((inputs, b) => postGraphQL(replicas[b % 3].url, SET_UNREAD_BATCH, { inputs }, auth));
    await until(async () => (await im.stats()).calls >= 300, '300 calls at IM', 30_000, 10);
    replicas[0].process.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 700)); // the stall itself
    replicas[0].process.child.kill('SIGCONT');
    const results = (await Promise.all(sent)).flatMap((response) => response.body.data.setGroupMemberUnreadCounts.results as Array<{ ok: boolean }>);
    expect(results).toHaveLength(1100);
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const stats = await im.stats();
    const { arrivals, frequencyErrors, unstampedReads } = stats;
    const most = maxInAnyWindow(arrivals);
    process.stdout.write(`three replicas, one stopped 700 ms: ${arrivalSummary(stats)}\n`);
    expect(unstampedReads).toBe(0);
    expect(frequencyErrors).toBe(0);
    expect(arrivals).toHaveLength(1100);
    expect(most).toBeLessThanOrEqual(LIMIT);
  });

  it('a same-member burst across replicas: calls never overlap, the last update sent wins, one call per replica at most', async () => {
    // IM holds its answers while the burst comes in, so every update is inside the replicas while the first call
    // is at IM: a condition, not a race between the intake and IM's reply time.
    const connection = new ReplicaConnection({ topology: { kind: 'single', url: redis.url }, keyPrefix: redis.keyPrefix, logger: createLogger({ level: 'silent' }), resetHolds: NO_HOLDS });
    onCleanup(() => connection.close());
    expect(await connection.whenReady(5000)).toBe(true);
    const stamped = async () => Number((await connection.redis.hget(memberKeys(connection, { groupId: GROUP, memberAccount: 'burst' }).member, 'stamps')) ?? 0);
    const send = (replica: number, unreadCount: number) => postGraphQL(replicas[replica].url, SET_UNREAD, { input: { groupId: GROUP, memberAccount: 'burst', unreadCount } }, auth);
    await im.hold();
    onCleanup(() => im.release()); // a failure below must not leave IM holding for the next test
    const burst = Array.from({ length: 30 }, (_, i) => send((i + 1) % 3, i + 1));
    // "Last" means last to arrive: every burst update has its sequence number before the last one is sent.
    await until(async () => (await stamped()) >= 30, 'the 30 burst updates stamped in Redis');
    const last = send(1, 99);
    await until(async () => (await stamped()) >= 31, 'the last update stamped in Redis');
    await im.release();
    const responses = await Promise.all([...burst, last]);
    expect(responses.filter((response) => response.body.errors !== undefined)).toEqual([]);
    const { setCalls, maxOverlap } = await im.stats();
    const calls = setCalls.filter((call) => call.member === `${GROUP}\nburst`);
    expect(maxOverlap).toBe(1);
    expect(calls.at(-1)!.value).toBe(99);
    // The first call was at IM while the rest arrived: each replica merged its updates into one next round,
    // and whoever holds the member's lease next sends the latest value. The first call plus one per replica at most.
    expect(calls.length).toBeLessThanOrEqual(1 + replicas.length);
  });

  it('identical concurrent updates on different replicas cost one IM call', async () => {
    const responses = await Promise.all(
      replicas.flatMap((replica) => [1, 2].map(() => postGraphQL(replica.url, SET_UNREAD, { input: { groupId: GROUP, memberAccount: 'same', unreadCount: 7 } }, auth))),
    );
    expect(responses.every((response) => response.body.data.setGroupMemberUnreadCount.unreadCount === 7)).toBe(true);
    expect((await im.stats()).setCalls.filter((call) => call.member === `${GROUP}\nsame`)).toHaveLength(1);
  });
});

describe('Redis going away and coming back', () => {
  it('while Redis is gone: writes IM_UNAVAILABLE (retryable, no IM call), reads answered on this replica’s share, /readyz 200 degraded; recovers by itself, holding writes after the empty restart', async () => {
    const redis = await TestRedis.start();
    const im = okIm();
    // Short IM timeout and retry deadline: the hold after a reset is their sum plus the 5 s an abandoned call may take to land.
    const gateway = await startTestGateway({ IM_SHARED_STATE: 'redis', REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '3000', IM_TIMEOUT_MS: '1000', IM_RETRY_DEADLINE_MS: '500' }, await im.start());
    const update = (memberAccount: string, unreadCount: number) =>
      gateway.graphql(SET_UNREAD, { input: { groupId: GROUP, memberAccount, unreadCount } });
    const readiness = async () => {
      const response = await fetch(`${gateway.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
    };
    const degradedGauge = async () => Number(/^im_gateway_degraded (\d)$/m.exec(await (await fetch(`${gateway.url}/metrics`)).text())?.[1]);
    onCleanup(async () => {
      await gateway.stop();
      await im.close();
      await redis.stop();
    });
    expect((await update('before', 1)).body.errors).toBeUndefined();
    await until(async () => (await readiness()).body.status === 'ready', 'ready (a heartbeat counted the replicas)');

    await redis.stop();
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => update(`during${i}`, i)));
    for (const response of during) {
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'IM_UNAVAILABLE', retryable: true });
    }
    expect(im.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => request.body.Member_Account)).toEqual(['before']);
    // Reads need no member order: a group's type is read from IM on this replica's share of the budget.
    const read = await gateway.graphql('{ group(id: "@TGS#READWHILEDOWN") { type } }');
    expect(read.body).toEqual({ data: { group: { type: 'Public' } } });
    expect(im.requestsFor(ImCommand.GET_GROUP_INFO).map((request) => request.body.GroupIdList)).toContainEqual(['@TGS#READWHILEDOWN']);
    // The balancer keeps routing: 200, and the body and a metric say degraded.
    expect(await readiness()).toEqual({ status: 200, body: { status: 'degraded', reason: expect.stringContaining('Redis') } });
    expect(await degradedGauge()).toBe(1);
    // Logged when the first reconnect fails (ioredis retries after 100 ms).
    await until(() => gateway.logs.text.includes('REDIS UNREACHABLE'), 'the outage logged');

    await redis.restart();
    await until(async () => (await readiness()).body.status === 'ready', 'ready again');
    expect(await degradedGauge()).toBe(0);
    const restartedAt = Date.now();
    expect((await update('after', 3)).body.errors).toBeUndefined();
    // Redis came back empty (another run_id): leases may be lost, so the write waited out the hold (6.5 s from detection).
    expect(Date.now() - restartedAt).toBeGreaterThan(4000);
    expect(gateway.logs.text).toContain('SHARED STATE RESET');
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toMatch(/^im_gateway_shared_state_resets_total 1$/m);
    expect(im.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => request.body.Member_Account)).toEqual(['before', 'after']);
    expect(gateway.logs.text).toContain('Redis connection restored');
    expect(await gateway.stop()).toEqual({ unsent: [], inDoubt: [] }); // nothing left hanging
  });

  it('starts not ready when Redis is not there yet, and refuses updates instead of using private limits', async () => {
    const redis = await TestRedis.start();
    await redis.stop(); // a port with nothing listening
    const im = okIm();
    const gateway = await startTestGateway({ IM_SHARED_STATE: 'redis', REDIS_URL: redis.url }, await im.start());
    onCleanup(async () => {
      await gateway.stop();
      await im.close();
    });
    const readiness = await fetch(`${gateway.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as { reason: string }).reason).toContain('Redis');
    const response = await gateway.graphql(SET_UNREAD, { input: { groupId: GROUP, memberAccount: 'x', unreadCount: 1 } });
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'IM_UNAVAILABLE', retryable: true });
    expect(im.requests).toHaveLength(0);
    expect(gateway.logs.text).toContain('starting NOT READY');
  });
});

describe('the group-type cache shared through Redis', () => {
  it('looks a group up once for all replicas', async () => {
    const redis = await redisForTests();
    const im = new FakeIm((request) =>
      request.command === ImCommand.GET_GROUP_INFO
        ? { ...OK_REPLY, GroupInfo: (request.body.GroupIdList as string[]).map((GroupId) => ({ GroupId, ErrorCode: 0, Type: 'ChatRoom' })) }
        : OK_REPLY,
      { groupTypes: 'scripted' },
    );
    const imUrl = await im.start();
    const env = { IM_SHARED_STATE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix, CHECK_GROUP_TYPE: 'true' };
    const replicas = [await startTestGateway(env, imUrl), await startTestGateway(env, imUrl)];
    onCleanup(async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await im.close();
      await redis.stop();
    });
    for (const replica of replicas) {
      const response = await replica.graphql(SET_UNREAD, { input: { groupId: '@TGS#MEETSHARED', memberAccount: 'bob', unreadCount: 1 } });
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_GROUP_TYPE', groupType: 'ChatRoom' });
    }
    expect(im.requestsFor(ImCommand.GET_GROUP_INFO)).toHaveLength(1);
    expect(im.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
  });
});
