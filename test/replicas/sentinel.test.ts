import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maxInAnyWindow } from '../../bench/sliding-window';
import { onCleanup } from '../support/cleanup';
import { DrillLoad, expectUpdatesLandWithStateOnRedis, sharedStateLines } from '../support/drill';
import { arrivalSummary, startFakeImProcess, startGatewayProcess } from '../support/process';
import { freePort, redisCli } from '../support/redis';
import { makeTlsFiles } from '../support/tls';
import { until } from '../support/wait';

const GROUP = '@TGS#2CLUZEAEJ';
const MASTER_NAME = 'imgateway';

function redisServer(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  onCleanup(() => void child.kill('SIGKILL'));
  return child;
}

/** A master, its replica and three Sentinels (quorum 2, down after 1 s), all real processes on loopback ports. */
async function sentinelSetup(): Promise<{ master: ChildProcess; replica: ChildProcess; masterPort: number; replicaPort: number; sentinelPorts: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-'));
  const masterPort = await freePort();
  const replicaPort = await freePort();
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const master = redisServer(['--port', String(masterPort), ...common]);
  const replica = redisServer(['--port', String(replicaPort), '--replicaof', '127.0.0.1', String(masterPort), ...common]);
  await until(() => redisCli(replicaPort, 'INFO', 'replication').includes('master_link_status:up'), 'the replica in sync');
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`, `sentinel down-after-milliseconds ${MASTER_NAME} 1000`, `sentinel failover-timeout ${MASTER_NAME} 5000`].join('\n'),
    );
    redisServer([conf, '--sentinel']);
  }
  // Every Sentinel has found the replica (from the master's INFO), so a failover can promote it.
  await until(() => sentinelPorts.every((port) => /num-slaves\n1/.test(redisCli(port, 'SENTINEL', 'master', MASTER_NAME))), 'the Sentinels to know the replica', 30_000, 100);
  return { master, replica, masterPort, replicaPort, sentinelPorts };
}

/**
 * The Sentinel drill of issue 21: two gateways on a Sentinel-managed Redis under 3× overload of mixed members;
 * the master killed with `kill -9`; Sentinel promotes the replica and ioredis follows it. Figures printed; the
 * promises asserted: ≤ 200 set calls in any 990 ms and no 60007 at IM, every update answered OK at IM, and
 * no member left with an older value than the last one answered OK.
 */
describe('Redis Sentinel: a master failover under load (real processes)', () => {
  it('two gateways follow the promoted replica without a restart, then ride out its 3 s stall (SIGSTOP): 0 × 60007, ≤ 200 in any 990 ms, no OK update lost or overwritten by an older value', async () => {
    const { master, replica, masterPort, replicaPort, sentinelPorts } = await sentinelSetup();
    const im = await startFakeImProcess({ REPLY_DELAY_MS: '20', LIMIT_PER_SECOND: '200' });
    onCleanup(() => im.stop());
    const env = {
      IM_SHARED_STATE: 'redis',
      REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_MASTER: MASTER_NAME,
      // The hold after a reset: the retry deadline + the IM timeout + 5 s.
      IM_TIMEOUT_MS: '1000',
      IM_RETRY_DEADLINE_MS: '500',
      DEBUG: 'ioredis:*',
    };
    const gateways = await Promise.all([0, 1].map(() => startGatewayProcess(im.url, env)));
    onCleanup(() => gateways.forEach((gateway) => gateway.process.child.kill('SIGKILL')));

    // 600 members, each updated one value after another (1, 2, 3, …) through alternating gateways, ~600/s in all: 3× the budget.
    const load = new DrillLoad(gateways.map((gateway) => gateway.url), 600, GROUP, 'f');
    const { outcomes } = load;
    await until(() => outcomes.ok >= 1200, 'the load to run');
    const killedAt = Date.now();
    const firstOkAfterKill = load.mark();
    master.kill('SIGKILL');
    await until(() => sentinelPorts.some((port) => redisCli(port, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).endsWith(String(replicaPort))), '+switch-master', 30_000, 100);
    const switchedAt = Date.now();
    await load.carriesOn(firstOkAfterKill, 1200, 'the failover', gateways);
    // Then the new master stalls (SIGSTOP 3 s; no replica is left to promote): commands time out, updates
    // fail as retryable, and nothing answered OK may be lost or overwritten when it comes back.
    replica.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 3000)); // the stall's length: a fault, not a wait for a condition
    replica.kill('SIGCONT');
    const resumedAt = Date.now();
    const firstOkAfterResume = load.mark();
    await load.carriesOn(firstOkAfterResume, 600, 'the stall', gateways);
    await load.stop();

    const stats = await im.stats();
    const { lost, stale } = load.verdict(stats);
    process.stdout.write(
      `Sentinel failover: +switch-master ${((switchedAt - killedAt) / 1000).toFixed(1)} s after kill -9, writes OK again ${((firstOkAfterKill() - killedAt) / 1000).toFixed(1)} s after it; ` +
        `new master stopped 3 s: writes OK again ${((firstOkAfterResume() - resumedAt) / 1000).toFixed(1)} s after SIGCONT; ` +
        `${outcomes.ok} OK, ${outcomes.failed} refused (retryable); ${arrivalSummary(stats)}; lost ${lost}, stale ${stale}\n`,
    );
    expect(redisCli(masterPort, 'PING')).not.toBe('PONG'); // the old master really is gone
    expect(stats.frequencyErrors).toBe(0);
    expect(maxInAnyWindow(stats.arrivals)).toBeLessThanOrEqual(200);
    expect(lost).toBe(0);
    expect(stale).toBe(0);
    // Both gateways reached the new master and held writes as designed. (A gateway that never logged it was one
    // whose connection ioredis had ended for good during the failover: sentinel-reconnect.test.ts.)
    const detected = gateways.map((gateway) => gateway.process.logs.some((line) => String(line.msg).startsWith('SHARED STATE RESET')));
    gateways.forEach((gateway, i) => {
      process.stdout.write(`gateway ${i}: reset detected ${detected[i]}; ${JSON.stringify(sharedStateLines(gateway))}\n`);
    });
    expect(detected).toEqual([true, true]);
  }, 180_000);

  it('over TLS only (REDIS_TLS=true, the test CA through NODE_EXTRA_CA_CERTS): the Sentinel names the master, updates reach IM and their member state is on the master', async () => {
    const tls = makeTlsFiles();
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-tls-'));
    const serverTls = ['--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'];
    const masterPort = await freePort();
    redisServer(['--port', '0', '--tls-port', String(masterPort), ...serverTls, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
    const cliTls = ['--tls', '--cacert', tls.ca];
    await until(() => redisCli(masterPort, ...cliTls, 'PING') === 'PONG', 'the TLS master');
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      ['port 0', `tls-port ${sentinelPort}`, `tls-cert-file ${tls.cert}`, `tls-key-file ${tls.key}`, `tls-ca-cert-file ${tls.ca}`, 'tls-auth-clients no', 'tls-replication yes', 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`].join('\n'),
    );
    redisServer([conf, '--sentinel']);
    await until(() => redisCli(sentinelPort, ...cliTls, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).endsWith(String(masterPort)), 'the TLS Sentinel to name the master');
    const im = await startFakeImProcess({});
    onCleanup(() => im.stop());
    const env = { IM_SHARED_STATE: 'redis', REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`, REDIS_SENTINEL_MASTER: MASTER_NAME, REDIS_TLS: 'true', NODE_EXTRA_CA_CERTS: tls.ca, REDIS_KEY_PREFIX: 'stls:' };
    const gateway = await startGatewayProcess(im.url, env);
    onCleanup(() => gateway.process.child.kill('SIGKILL'));
    const keysOnRedis = (pattern: string) => redisCli(masterPort, ...cliTls, 'KEYS', pattern).split('\n').filter((key) => key !== '');
    await expectUpdatesLandWithStateOnRedis(gateway.url, im, { groupId: GROUP, keyPrefix: 'stls:', memberPrefix: 's', count: 20, keysOnRedis });
  }, 60_000);
});
