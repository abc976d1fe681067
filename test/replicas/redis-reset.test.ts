import { onCleanup } from '../support/cleanup';
import { postGraphQL, SET_UNREAD } from '../support/gateway';
import { startFakeImProcess, startGatewayProcess, waitForLog, type FakeImProcess, type GatewayProcess } from '../support/process';
import { TestRedis } from '../support/redis';
import { clusterMasters, clusterOk, startRedisCluster } from '../support/redis-cluster';
import { adminAuthorization } from '../support/test-app';
import { until } from '../support/wait';

const GROUP = '@TGS#2CLUZEAEJ';
const auth = adminAuthorization();
/** How long a Redis killed with `kill -9` stays down before it starts again, empty (the reproduction). */
const REDIS_DOWN_MS = 1000;

/** The shared Redis of the reproduction: what the gateways are told, and how to take all of its state away. */
interface ResettableRedis {
  env: Record<string, string>;
  /** `kill -9` every server that holds the gateways' state. */
  stop(): Promise<void>;
  /** Starts them again, empty (no persistence), and waits until they serve. */
  restart(): Promise<void>;
  /** After a restart: resolves once the gateways can reach all of it again. */
  reachable(replicas: GatewayProcess[], resetLinesBefore: number[]): Promise<void>;
  /** Stops every server of it, for good. */
  dispose(): Promise<void>;
}

async function oneRedis(): Promise<ResettableRedis> {
  const redis = await TestRedis.start();
  return { env: { REDIS_URL: redis.url }, stop: () => redis.stop(), restart: () => redis.restart(), reachable: async () => undefined, dispose: () => redis.stop() };
}

/**
 * A Cluster whose three masters all restart empty, each before its replica could take over (node timeout 5 s),
 * so the Cluster keeps its shape and loses everything: the replicas then copy their empty masters.
 */
async function clusterOfSix(): Promise<ResettableRedis> {
  const nodes = await startRedisCluster({ nodeTimeoutMs: 5000 });
  const masters = clusterMasters(nodes);
  return {
    env: { REDIS_CLUSTER_NODES: `127.0.0.1:${nodes[0].port}` },
    stop: async () => void (await Promise.all(masters.map((node) => node.kill()))),
    restart: async () => {
      await Promise.all(masters.map((node) => node.start()));
      await clusterOk(nodes);
    },
    // A Cluster client finds a restarted node at its next slot refresh (every second, or after a failed
    // command) and checks it then; the reproduction needs each replica to have done so.
    reachable: (replicas, before) => until(() => replicas.every((replica, i) => resetLines(replica) > before[i]), 'every replica to check the restarted masters', 30_000),
    dispose: async () => void (await Promise.all(nodes.map((node) => node.kill()))),
  };
}

function resetLines(replica: GatewayProcess): number {
  return replica.process.logs.filter((line) => String(line.msg).startsWith('SHARED STATE RESET')).length;
}

/**
 * The data-loss reproduction of issue 21, over real processes: three replicas on one Redis without persistence
 * (or on a Redis Cluster), Redis killed (`kill -9`) and started again empty while member m's updates are under
 * way. Every update answered OK must be at IM, and IM must end at the last value answered OK.
 */
describe.each([
  ['one Redis', oneRedis],
  ['a Redis Cluster', clusterOfSix],
])('%s that restarts empty loses no update (three replica processes)', (_name, topology) => {
  let redis: ResettableRedis;
  let im: FakeImProcess;
  let replicas: GatewayProcess[];
  beforeAll(async () => {
    redis = await topology();
    im = await startFakeImProcess({});
    // The hold after a reset is the retry deadline + the IM timeout + the 5 s an abandoned call may still take to land.
    const env = { IM_SHARED_STATE: 'redis', ...redis.env, IM_TIMEOUT_MS: '4000', IM_RETRY_DEADLINE_MS: '500' };
    replicas = await Promise.all([0, 1, 2].map(() => startGatewayProcess(im.url, env)));
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas ?? []) replica.process.child.kill('SIGKILL');
    im?.stop();
    await redis?.dispose();
  });
  beforeEach(() => im.reset());

  const send = (replica: number, memberAccount: string, unreadCount: number) =>
    postGraphQL(replicas[replica].url, SET_UNREAD, { input: { groupId: GROUP, memberAccount, unreadCount } }, auth);

  async function expectOk(response: Promise<{ body: any }>, unreadCount: number): Promise<void> {
    const { body } = await response;
    expect(body.errors).toBeUndefined();
    expect(body.data.setGroupMemberUnreadCount.unreadCount).toBe(unreadCount);
  }

  async function setCallsFor(memberAccount: string): Promise<number[]> {
    return (await im.stats()).setCalls.filter((call) => call.member === `${GROUP}\n${memberAccount}`).map((call) => call.value);
  }

  /** Kills Redis, waits the stimulus' down time, starts it again empty, and waits until every replica is connected again. */
  async function restartRedisEmpty(): Promise<void> {
    const before = replicas.map(resetLines);
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_MS)); // the outage itself, not a wait for a condition
    await redis.restart();
    await allReady();
    await redis.reachable(replicas, before);
  }

  /** Every replica connected to Redis again: /readyz says ready (200 alone may be "degraded": Redis still away). */
  async function allReady(): Promise<void> {
    const status = async (origin: string) => ((await (await fetch(`${origin}/readyz`)).json()) as { status: string }).status;
    await until(async () => (await Promise.all(replicas.map((replica) => status(replica.origin)))).every((state) => state === 'ready'), 'every replica ready again');
  }

  /** v = 11…15 answered OK, one after another through the replicas: Redis's state for m now holds five updates. */
  async function history(memberAccount: string): Promise<void> {
    for (let v = 11; v <= 15; v++) await expectOk(send(v % 3, memberAccount, v), v);
  }

  /** The history, then v=1 through replica 0, at IM and held there (IM answers it on im.release()). */
  async function historyThenV1HeldAtIm(memberAccount: string): Promise<{ first: Promise<{ body: any }> }> {
    await history(memberAccount);
    await im.hold();
    onCleanup(() => im.release());
    const first = send(0, memberAccount, 1);
    await until(async () => (await setCallsFor(memberAccount)).includes(1), 'v=1 at IM');
    return { first }; // still unanswered: the test decides when IM answers
  }

  /** v = 2…7 through replicas 1 and 2, one after another: each answered OK, each at IM, IM ending at 7. */
  async function laterUpdatesReachIm(memberAccount: string, firstOfThem = 2): Promise<void> {
    for (let v = firstOfThem; v <= 7; v++) await expectOk(send(1 + (v % 2), memberAccount, v), v);
    const values = await setCallsFor(memberAccount);
    for (let v = firstOfThem; v <= 7; v++) expect(values).toContain(v);
    expect(values.at(-1)).toBe(7);
    expect((await im.stats()).maxOverlap).toBe(1); // never two calls for one member at IM at once
  }

  it('restart while v=1 is at IM: v=1 answered OK, and v=2…7 each reach IM only after it, IM ending at 7', async () => {
    const { first } = await historyThenV1HeldAtIm('mid');
    await restartRedisEmpty();
    // Replica 1 takes v=2 while v=1 is still at IM under a lease the restart erased: it must not send it yet.
    const second = send(1, 'mid', 2);
    await waitForLog(replicas[1].process, (line) => String(line.msg).startsWith('SHARED STATE RESET'));
    expect(await setCallsFor('mid')).toEqual([11, 12, 13, 14, 15, 1]);
    await im.release();
    await expectOk(first, 1);
    await expectOk(second, 2);
    await laterUpdatesReachIm('mid', 3);
    expect(await setCallsFor('mid')).toEqual([11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 6, 7]);
  }, 90_000);

  it('restart before v=1 is sent: v=1…7 each reach IM in order', async () => {
    await history('before');
    await restartRedisEmpty();
    await expectOk(send(0, 'before', 1), 1);
    await laterUpdatesReachIm('before');
    expect(await setCallsFor('before')).toEqual([11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 6, 7]);
  }, 90_000);

  it('Redis down when IM answers v=1, back empty: v=1 is answered OK (IM applied it), and v=2…7 each reach IM', async () => {
    const { first } = await historyThenV1HeldAtIm('answer');
    const before = replicas.map(resetLines);
    await redis.stop();
    await im.release(); // IM answers while replica 0 cannot record it in Redis
    await expectOk(first, 1);
    await redis.restart();
    await allReady();
    await redis.reachable(replicas, before);
    await laterUpdatesReachIm('answer');
    expect(await setCallsFor('answer')).toEqual([11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 6, 7]);
  }, 90_000);
});
