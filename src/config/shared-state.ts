import { boolean, ConfigError, nonEmpty, oneOf, type Env } from './env';

/** Where the replicas' Redis is: one instance by URL, the master a set of Sentinels names, or a Cluster (ioredis follows failovers in both). */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; masterName: string; sentinelPassword?: string; password?: string; tls: boolean }
  | { kind: 'cluster'; nodes: RedisNode[]; password?: string; tls: boolean };

export interface RedisNode {
  host: string;
  port: number;
}

/** Where replicas keep what they must share: nowhere (one process), or Redis. */
export type SharedStateConfig = { kind: 'memory' } | { kind: 'redis'; topology: RedisTopology; keyPrefix: string };

/** IM_SHARED_STATE and, with redis, where Redis is; keys under REDIS_KEY_PREFIX, by default one prefix per `app`. */
export function sharedStateConfig(env: Env, app: string): SharedStateConfig {
  const kind = oneOf(env, 'IM_SHARED_STATE', ['memory', 'redis'] as const, 'memory');
  if (kind === 'memory') return { kind };
  return { kind, topology: redisTopology(env), keyPrefix: nonEmpty(env, 'REDIS_KEY_PREFIX') ?? `im-gateway:${app}:` };
}

/** Exactly one of REDIS_URL, REDIS_SENTINELS (with REDIS_SENTINEL_MASTER) or REDIS_CLUSTER_NODES. */
function redisTopology(env: Env): RedisTopology {
  const given = REDIS_TOPOLOGY_VARIABLES.filter((name) => nonEmpty(env, name) !== undefined);
  if (given.length !== 1) {
    const which = given.length === 0 ? 'none is set' : `${given.join(' and ')} are all set`;
    throw new ConfigError(given[0] ?? 'REDIS_URL', `with IM_SHARED_STATE=redis, set exactly one of ${REDIS_TOPOLOGY_VARIABLES.join(', ')} (${which})`);
  }
  // TLS to every server (REDIS_URL says it by its scheme, rediss://); the CAs are Node's, plus NODE_EXTRA_CA_CERTS.
  const tls = boolean(env, 'REDIS_TLS', false);
  if (given[0] === 'REDIS_CLUSTER_NODES') return { kind: 'cluster', nodes: redisNodes(env, 'REDIS_CLUSTER_NODES'), password: nonEmpty(env, 'REDIS_PASSWORD'), tls };
  if (given[0] === 'REDIS_URL') {
    const url = nonEmpty(env, 'REDIS_URL')!;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
    if (tls) throw new ConfigError('REDIS_TLS', 'is for REDIS_SENTINELS and REDIS_CLUSTER_NODES; with REDIS_URL, write rediss:// for TLS');
    return { kind: 'single', url };
  }
  const sentinels = redisNodes(env, 'REDIS_SENTINELS');
  const masterName = nonEmpty(env, 'REDIS_SENTINEL_MASTER');
  if (masterName === undefined) throw new ConfigError('REDIS_SENTINEL_MASTER', 'is required with REDIS_SENTINELS: the master name the Sentinels monitor');
  return { kind: 'sentinel', sentinels, masterName, sentinelPassword: nonEmpty(env, 'REDIS_SENTINEL_PASSWORD'), password: nonEmpty(env, 'REDIS_PASSWORD'), tls };
}

/** `host:port,host:port,…`: the Sentinels, or the Cluster nodes to start from (ioredis learns the rest). */
function redisNodes(env: Env, name: 'REDIS_SENTINELS' | 'REDIS_CLUSTER_NODES'): RedisNode[] {
  return nonEmpty(env, name)!
    .split(',')
    .map((entry) => {
      const match = /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(entry);
      const port = Number(match?.[2]);
      if (match === null || port < 1 || port > 65535) throw new ConfigError(name, `must be host:port,host:port,… (got ${JSON.stringify(entry.trim().slice(0, 100))})`);
      return { host: match[1], port };
    });
}

/** The ways to name the replicas' Redis (redisTopology). */
const REDIS_TOPOLOGY_VARIABLES = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;
