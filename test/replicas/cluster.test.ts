import { maxInAnyWindow } from '../../bench/sliding-window';
import { onCleanup } from '../support/cleanup';
import { DrillLoad, expectUpdatesLandWithStateOnRedis } from '../support/drill';
import { postGraphQL, SET_UNREAD } from '../support/gateway';
import { arrivalSummary, startFakeImProcess, startGatewayProcess } from '../support/process';
import { redisCli } from '../support/redis';
import { clusterMasters, clusterNodes, clusterOk, startRedisCluster, type ClusterNode } from '../support/redis-cluster';
import { makeTlsFiles } from '../support/tls';
import { adminAuthorization } from '../support/test-app';
import { until } from '../support/wait';

const GROUP = '@TGS#2CLUZEAEJ';
const KEY_PREFIX = 'drill:';

/** What a fault did, for the printout: its name and how long the Cluster took to answer for its slots again. */
interface FaultReport {
  what: string;
  recoveredAfterMs: number;
}

/**
 * The Cluster drills of issue 21: three gateways share IM's budget through a Redis Cluster (three masters, each
 * with a replica) under 6× overload of mixed members; `fault` hits the master holding the set command's budget
 * mid-load, and the gateways must carry on without a restart. Figures printed; the promises asserted: ≤ 200
 * set calls in any 990 ms and no 60007 at IM, every update answered OK at IM, no member left with an older value
 * than the last one answered OK, every gateway holding shared sends after the reset; then, after SCRIPT FLUSH on
 * every live node, each gateway's next update still reaches IM.
 */
async function clusterDrill(nodeTimeoutMs: number, fault: (budgetMaster: ClusterNode, nodes: ClusterNode[]) => Promise<FaultReport>): Promise<void> {
  const nodes = await startRedisCluster({ nodeTimeoutMs });
  onCleanup(() => Promise.all(nodes.map((node) => node.kill())));
  const im = await startFakeImProcess({ REPLY_DELAY_MS: '20', LIMIT_PER_SECOND: '200' });
  onCleanup(() => im.stop());
  const env = {
    IM_SHARED_STATE: 'redis',
    // Two nodes to start from: ioredis learns the rest (and the slots) from them.
    REDIS_CLUSTER_NODES: nodes
      .slice(0, 2)
      .map(({ port }) => `127.0.0.1:${port}`)
      .join(','),
    REDIS_KEY_PREFIX: KEY_PREFIX,
    // The hold after a reset: the retry deadline + the IM timeout + 5 s.
    IM_TIMEOUT_MS: '1000',
    IM_RETRY_DEADLINE_MS: '500',
  };
  const gateways = await Promise.all([0, 1, 2].map(() => startGatewayProcess(im.url, env)));
  onCleanup(() => gateways.forEach((gateway) => gateway.process.child.kill('SIGKILL')));

  // 1,200 members, each sending its next value 1 s after the last answer, through the three gateways in turn: up to 6× the budget.
  const load = new DrillLoad(
    gateways.map((gateway) => gateway.url),
    1200,
    GROUP,
    'c',
  );
  const { outcomes } = load;
  await until(() => outcomes.ok >= 1500, 'the load to run', 60_000);
  // Members' state is spread over the three masters; the set command's budget lives on one of them: hit that one.
  const budgetMaster = nodes.find(({ port }) => redisCli(port, 'KEYS', `${KEY_PREFIX}{rl:*set_unread_msg_num}:*`) !== '');
  expect(budgetMaster).toBeDefined();
  const hitAt = Date.now();
  const firstOkAfterFault = load.mark();
  const report = await fault(budgetMaster!, nodes);
  await load.carriesOn(firstOkAfterFault, 1500, report.what, gateways);
  await load.stop();

  const stats = await im.stats();
  const { lost, stale } = load.verdict(stats);
  const detected = gateways.map((gateway) => gateway.process.logs.some((line) => String(line.msg).startsWith('SHARED STATE RESET')));
  process.stdout.write(
    `Cluster ${report.what}: the budget's slots answered again ${(report.recoveredAfterMs / 1000).toFixed(1)} s after the fault, writes OK again ${((firstOkAfterFault() - hitAt) / 1000).toFixed(1)} s after it; ` +
      `${outcomes.ok} OK, ${outcomes.failed} refused (retryable); ${arrivalSummary(stats)}; lost ${lost}, stale ${stale}; reset detected by ${detected.filter(Boolean).length} of 3 gateways\n`,
  );
  expect(stats.frequencyErrors).toBe(0);
  expect(maxInAnyWindow(stats.arrivals)).toBeLessThanOrEqual(200);
  expect(lost).toBe(0);
  expect(stale).toBe(0);
  // Every gateway saw a master it had not checked and held shared sends (state-epoch.ts).
  expect(detected).toEqual([true, true, true]);

  // Scripts after SCRIPT FLUSH on every live node: each gateway's next update is sent by EVAL when EVALSHA
  // is answered NOSCRIPT (also through the client's no-redirect setting, which wraps that error).
  const live = nodes.filter(({ process }) => process.exitCode === null && process.signalCode === null);
  for (const { port } of live) expect(redisCli(port, 'SCRIPT', 'FLUSH')).toBe('OK');
  const callsBefore = (await im.stats()).setCalls.length;
  const after = await Promise.all(gateways.map((gateway, i) => postGraphQL(gateway.url, SET_UNREAD, { input: { groupId: GROUP, memberAccount: `flushed${i}`, unreadCount: 7 } }, adminAuthorization())));
  expect(after.map(({ body }) => body.errors)).toEqual([undefined, undefined, undefined]);
  expect((await im.stats()).setCalls.slice(callsBefore).map(({ member, value }) => `${member.split('\n')[1]}=${value}`).sort()).toEqual(['flushed0=7', 'flushed1=7', 'flushed2=7']);
}

describe('Redis Cluster: three gateways share the budget under 6× overload while a master fails (real processes)', () => {
  it('the budget’s master killed (kill -9): the Cluster promotes its replica, writes resume on it; ≤ 200 in any 990 ms, 0 × 60007, no OK update lost or overwritten by an older value', async () => {
    await clusterDrill(1000, async (master, nodes) => {
      const before = clusterNodes(master.port);
      const victim = before.find(({ port }) => port === master.port)!;
      const survivor = nodes.find(({ port }) => port !== victim.port)!;
      const killedAt = Date.now();
      master.process.kill('SIGKILL');
      // The victim's replica is now a master (the Cluster's own failover, after its 1 s node timeout).
      await until(() => clusterNodes(survivor.port).some(({ master: isMaster, failed, id }) => isMaster && !failed && before.find((node) => node.id === id)?.masterId === victim.id), 'the replica’s promotion', 30_000, 100);
      expect(redisCli(victim.port, 'PING')).not.toBe('PONG'); // the old master really is gone
      return { what: 'failover (replica promoted)', recoveredAfterMs: Date.now() - killedAt };
    });
  }, 240_000);

  it('the budget’s master stalled 3 s (SIGSTOP, past the 1 s node timeout): replaced while stopped, it comes back as a replica; its late replies change nothing — the same promises', async () => {
    await clusterDrill(1000, async (master, nodes) => {
      const before = clusterNodes(master.port);
      const victim = before.find(({ port }) => port === master.port)!;
      const survivor = nodes.find(({ port }) => port !== victim.port)!;
      const stoppedAt = Date.now();
      master.process.kill('SIGSTOP');
      // Replaced while stopped: its replica is a master now.
      await until(() => clusterNodes(survivor.port).some(({ master: isMaster, failed, id }) => isMaster && !failed && before.find((node) => node.id === id)?.masterId === victim.id), 'the replica’s promotion', 30_000, 100);
      await until(() => Date.now() - stoppedAt >= 3000, 'the stall’s 3 s (the fault’s length)', 10_000, 50);
      master.process.kill('SIGCONT');
      await until(() => master.cli('INFO', 'replication').includes('role:slave'), 'the old master to rejoin as a replica', 30_000, 100);
      return { what: 'master stalled and replaced', recoveredAfterMs: Date.now() - stoppedAt };
    });
  }, 240_000);

  it('the budget’s master restarted empty before its replica could take over (node timeout 5 s): the same promises, on the same node', async () => {
    await clusterDrill(5000, async (master, nodes) => {
      const restartedAt = Date.now();
      await master.restartEmpty();
      await clusterOk(nodes);
      // Still the master of its slots (no failover), and empty of what the gateways wrote before.
      expect(redisCli(master.port, 'INFO', 'replication')).toContain('role:master');
      return { what: 'master restarted empty', recoveredAfterMs: Date.now() - restartedAt };
    });
  }, 240_000);

  it('over TLS only (REDIS_TLS=true, the test CA through NODE_EXTRA_CA_CERTS): updates reach IM and their member state is in the Cluster', async () => {
    const tls = makeTlsFiles();
    const nodes = await startRedisCluster({ tls });
    onCleanup(() => Promise.all(nodes.map((node) => node.kill())));
    const im = await startFakeImProcess({});
    onCleanup(() => im.stop());
    const env = { IM_SHARED_STATE: 'redis', REDIS_CLUSTER_NODES: `127.0.0.1:${nodes[0].port}`, REDIS_TLS: 'true', NODE_EXTRA_CA_CERTS: tls.ca, REDIS_KEY_PREFIX: 'tls:' };
    const gateway = await startGatewayProcess(im.url, env);
    onCleanup(() => gateway.process.child.kill('SIGKILL'));
    // Each member's ordering state went to the Cluster (the nodes' plain port is closed: only TLS reaches them).
    const keysOnRedis = (pattern: string) => clusterMasters(nodes).flatMap((node) => node.cli('KEYS', pattern).split('\n').filter((key) => key !== ''));
    await expectUpdatesLandWithStateOnRedis(gateway.url, im, { groupId: GROUP, keyPrefix: 'tls:', memberPrefix: 't', count: 30, keysOnRedis });
  }, 120_000);
});
