import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisCli } from './redis';
import type { TlsFiles } from './tls';
import { until } from './wait';

export interface ClusterNode {
  port: number;
  process: ChildProcess;
  /** One redis-cli command against this node (over TLS when the Cluster uses it). */
  cli(...args: string[]): string;
  /** `kill -9`; resolves when it is gone. */
  kill(): Promise<void>;
  /** Starts it again on its port, empty (no persistence), with its Cluster identity (its nodes file). */
  start(): Promise<void>;
  restartEmpty(): Promise<void>;
}

/** One line of CLUSTER NODES: who a node is and what it is now. */
export interface ClusterNodeState {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  /** The master's id, for a replica. */
  masterId?: string;
}

export function clusterNodes(askPort: number): ClusterNodeState[] {
  return redisCli(askPort, 'CLUSTER', 'NODES')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, masterId] = line.split(' ');
      return { id, port: Number(/:(\d+)@/.exec(address)?.[1]), master: flags.includes('master'), failed: /fail(?!\?)/.test(flags), masterId: masterId === '-' ? undefined : masterId };
    });
}

/**
 * A Redis Cluster of three masters and three replicas, real processes on loopback ports (`redis-cli --cluster
 * create … --cluster-replicas 1`), a node declared failed after `nodeTimeoutMs`; with `tls`, every port (clients,
 * replication, the cluster bus) speaks TLS only. Each node's bus port is chosen too (`cluster-port`), since
 * port + 10000 may be taken or out of range. Resolves once every node says ok. The caller stops the nodes
 * (`kill()`), after each test or after all.
 */
export async function startRedisCluster({ nodeTimeoutMs = 1000, tls }: { nodeTimeoutMs?: number; tls?: TlsFiles } = {}): Promise<ClusterNode[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const cliTls = tls === undefined ? [] : ['--tls', '--cacert', tls.ca];
  const serverTls = (port: number) =>
    tls === undefined
      ? ['--port', String(port)]
      : ['--port', '0', '--tls-port', String(port), '--tls-cluster', 'yes', '--tls-replication', 'yes', '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'];
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < 6; i++) {
    const port = await freePort();
    const busPort = await freePort();
    const args = [...serverTls(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(nodeTimeoutMs), '--save', '', '--appendonly', 'no', '--dir', dir];
    const spawnNode = () => spawn('redis-server', args, { stdio: 'ignore' });
    const node: ClusterNode = {
      port,
      process: spawnNode(),
      cli: (...command) => redisCli(port, ...cliTls, ...command),
      kill: async () => {
        const child = node.process;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
      start: async () => {
        node.process = spawnNode();
        await until(() => node.cli('PING') === 'PONG', `redis-server on ${port} again`);
      },
      restartEmpty: async () => {
        await node.kill();
        await node.start();
      },
    };
    nodes.push(node);
  }
  for (const node of nodes) await until(() => node.cli('PING') === 'PONG', `redis-server on ${node.port}`);
  const created = spawnSync('redis-cli', [...cliTls, '--cluster', 'create', ...nodes.map(({ port }) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout.slice(-500)}`);
  await clusterOk(nodes);
  // Every replica in sync with its master, so a failover can promote it.
  await until(() => nodes.every((node) => !node.cli('INFO', 'replication').includes('role:slave') || node.cli('INFO', 'replication').includes('master_link_status:up')), 'the replicas in sync', 30_000, 100);
  return nodes;
}

/** The nodes that are masters now. */
export function clusterMasters(nodes: ClusterNode[]): ClusterNode[] {
  return nodes.filter((node) => node.cli('INFO', 'replication').includes('role:master'));
}

/** Resolves once every running node says cluster_state:ok. */
export async function clusterOk(nodes: ClusterNode[]): Promise<void> {
  const running = nodes.filter(({ process }) => process.exitCode === null && process.signalCode === null);
  await until(() => running.every((node) => node.cli('CLUSTER', 'INFO').includes('cluster_state:ok')), 'cluster_state:ok on every node', 30_000, 100);
}
