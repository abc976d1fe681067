import { isImAccountText } from '../domain/ids';
import { IM_REGIONS, regionBackupBaseUrl, regionBaseUrl, type ImRegion } from '../tencent/regions';
import * as D from './defaults';
import { account, boolean, ConfigError, integer, nonEmpty, oneOf, type Env } from './env';
import { sharedStateConfig, type SharedStateConfig } from './shared-state';

export { ConfigError } from './env';

/** How callers prove who they are. */
const AUTH_MODES = ['usersig', 'jwt', 'none'] as const;

export type AuthConfig =
  | { mode: 'usersig' | 'none' }
  | { mode: 'jwt'; jwksUrl: string; issuer: string; audience: string; accountClaim: string };

/** Where IM calls go: Tencent Cloud IM, or the built-in simulator started in-process. */
type ImTarget =
  | { kind: 'tencent'; sdkAppId: number; secretKey: string; baseUrl: string; backupBaseUrl?: string; region?: ImRegion }
  | { kind: 'simulator' };

export interface Config {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  /** Human-readable logs: development in a terminal. */
  prettyLogs: boolean;
  maxRequestBodyBytes: number;
  /** How long a shutdown may take to answer every accepted update before giving up on the rest. */
  shutdownTimeoutMs: number;
  /** Requests sent through the request path before listening (0: none). */
  warmUpRequests: number;
  /** What slow or many clients may hold: timeouts, open connections, the listen backlog. */
  http: HttpLimits;
  /** Introspection: on in development; in production only with GRAPHQL_INTROSPECTION=true. */
  introspection: boolean;
  /** Browser origins allowed by CORS; default Apollo Studio in development, none in production. */
  corsOrigins: string[];
  /** Apollo GraphOS usage reporting, when both APOLLO_KEY and APOLLO_GRAPH_REF are set. */
  apolloGraphOs?: { key: string; graphRef: string };
  auth: AuthConfig & {
    /** App admin accounts (IM_ADMIN_IDENTIFIER plus ADMIN_ACCOUNTS): may update anyone's count. */
    adminAccounts: ReadonlySet<string>;
    /** A member may set their own unread count. */
    allowSelfUpdate: boolean;
  };
  limits: {
    maxQueryDepth: number;
    maxQueryComplexity: number;
    maxRootMutationFields: number;
    /** Tokens a query document may hold (graphql-js stops parsing past it). */
    maxQueryTokens: number;
    /** Distinct groups one request's IM reads (roles, group info, members' MsgSeq) may touch. */
    maxGroupsPerRequest: number;
  };
  im: {
    target: ImTarget;
    adminIdentifier: string;
    timeoutMs: number;
    rateLimitPerSecond: number;
    maxQueueWaitMs: number;
    maxPendingUpdates: number;
    coalesceWindowMs: number;
    /** How long the first read of a batch waits for others from concurrent requests (reads/read-batcher.ts). */
    readBatchWindowMs: number;
    maxRetries: number;
    retryDeadlineMs: number;
    maxBatchSize: number;
    /** Each non-admin caller account's writes per second (ACCOUNT_RATE_LIMIT_PER_SECOND) and burst (ACCOUNT_BURST). */
    accountRatePerSecond: number;
    accountBurst: number;
    /** Look the group's type up before setting (ChatRoom and AVChatRoom would silently ignore the set). */
    checkGroupType: boolean;
    groupTypeCacheSize: number;
    /** IM_SHARED_STATE: the rate limit and member ordering shared by replicas through Redis. */
    sharedState: SharedStateConfig;
  };
}

export interface HttpLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  listenBacklog: number;
}

/** The IM side of the configuration: what the core (core.ts) is built from. */
export type ImSettings = Config['im'];

/** The only reader of the environment: validates every variable the gateway uses. */
export function loadConfig(env: Env = process.env): Config {
  const secretKey = nonEmpty(env, 'IM_SECRET_KEY');
  const sdkAppIdText = nonEmpty(env, 'IM_SDKAPPID');
  let target: ImTarget;
  if (secretKey === undefined) {
    if (sdkAppIdText !== undefined) throw new ConfigError('IM_SECRET_KEY', 'is required when IM_SDKAPPID is set');
    target = { kind: 'simulator' };
  } else {
    if (sdkAppIdText === undefined) throw new ConfigError('IM_SDKAPPID', 'is required when IM_SECRET_KEY is set');
    const sdkAppId = integer(env, 'IM_SDKAPPID', undefined, 1, 0xffffffff);
    const explicitBase = nonEmpty(env, 'IM_API_BASE_URL');
    const explicitBackup = nonEmpty(env, 'IM_API_BACKUP_BASE_URL');
    if (explicitBase !== undefined) {
      const backupBaseUrl = explicitBackup === undefined ? undefined : httpUrl('IM_API_BACKUP_BASE_URL', explicitBackup);
      target = { kind: 'tencent', sdkAppId, secretKey, baseUrl: httpUrl('IM_API_BASE_URL', explicitBase), backupBaseUrl };
    } else {
      if (explicitBackup !== undefined) throw new ConfigError('IM_API_BACKUP_BASE_URL', 'is only used with IM_API_BASE_URL (IM_REGION brings its own backup host)');
      const region = imRegion(env);
      target = { kind: 'tencent', sdkAppId, secretKey, baseUrl: regionBaseUrl(region), backupBaseUrl: regionBackupBaseUrl(region), region };
    }
  }
  if (target.kind === 'simulator') imRegion(env); // still validated, so a typo is caught before going live

  const production = env.NODE_ENV === 'production';
  const adminIdentifier = account(env, 'IM_ADMIN_IDENTIFIER', D.DEFAULT_ADMIN_IDENTIFIER);
  return {
    port: integer(env, 'PORT', D.DEFAULT_PORT, 0, 65535),
    host: nonEmpty(env, 'HOST') ?? D.DEFAULT_HOST,
    production,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    prettyLogs: !production && process.stdout.isTTY === true,
    maxRequestBodyBytes: integer(env, 'MAX_REQUEST_BODY_BYTES', D.DEFAULT_MAX_REQUEST_BODY_BYTES, 1024, 64 * 1024 * 1024),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', D.DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 600_000),
    warmUpRequests: integer(env, 'WARM_UP_REQUESTS', D.DEFAULT_WARM_UP_REQUESTS, 0, 10_000),
    http: {
      requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', D.DEFAULT_REQUEST_TIMEOUT_MS, 1000, 600_000),
      headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_MS', D.DEFAULT_HEADERS_TIMEOUT_MS, 1000, 600_000),
      keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', D.DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 1000, 600_000),
      maxConnections: integer(env, 'MAX_CONNECTIONS', D.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
      listenBacklog: integer(env, 'LISTEN_BACKLOG', D.DEFAULT_LISTEN_BACKLOG, 1, 65_535),
    },
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', !production),
    corsOrigins: origins(env, production),
    apolloGraphOs: apolloGraphOs(env),
    auth: {
      ...authConfig(env, target),
      adminAccounts: new Set([adminIdentifier, ...accountList(env, 'ADMIN_ACCOUNTS')]),
      allowSelfUpdate: boolean(env, 'ALLOW_SELF_UPDATE', true),
    },
    limits: {
      maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', D.DEFAULT_MAX_QUERY_DEPTH, 1, 100),
      maxQueryComplexity: integer(env, 'MAX_QUERY_COMPLEXITY', D.DEFAULT_MAX_QUERY_COMPLEXITY, 1, 100_000),
      maxRootMutationFields: integer(env, 'MAX_ROOT_MUTATION_FIELDS', D.DEFAULT_MAX_ROOT_MUTATION_FIELDS, 1, 1000),
      maxQueryTokens: integer(env, 'MAX_QUERY_TOKENS', D.DEFAULT_MAX_QUERY_TOKENS, 100, 1_000_000),
      maxGroupsPerRequest: integer(env, 'MAX_GROUPS_PER_REQUEST', D.DEFAULT_MAX_GROUPS_PER_REQUEST, 1, 10_000),
    },
    im: {
      target,
      adminIdentifier,
      timeoutMs: integer(env, 'IM_TIMEOUT_MS', D.DEFAULT_IM_TIMEOUT_MS, 1, 60_000),
      rateLimitPerSecond: integer(env, 'IM_RATE_LIMIT_PER_SECOND', D.DEFAULT_RATE_LIMIT_PER_SECOND, 1, 10_000),
      maxQueueWaitMs: integer(env, 'IM_MAX_QUEUE_WAIT_MS', D.DEFAULT_MAX_QUEUE_WAIT_MS, 0, 600_000),
      maxPendingUpdates: integer(env, 'IM_MAX_PENDING_UPDATES', D.DEFAULT_MAX_PENDING_UPDATES, 1, 1_000_000),
      coalesceWindowMs: integer(env, 'IM_COALESCE_WINDOW_MS', D.DEFAULT_COALESCE_WINDOW_MS, 0, 1000),
      readBatchWindowMs: integer(env, 'IM_READ_BATCH_WINDOW_MS', D.DEFAULT_READ_BATCH_WINDOW_MS, 0, 1000),
      maxRetries: integer(env, 'IM_MAX_RETRIES', D.DEFAULT_MAX_RETRIES, 0, 10),
      retryDeadlineMs: integer(env, 'IM_RETRY_DEADLINE_MS', D.DEFAULT_RETRY_DEADLINE_MS, 1, 600_000),
      maxBatchSize: integer(env, 'IM_MAX_BATCH_SIZE', D.DEFAULT_MAX_BATCH_SIZE, 1, 10_000),
      accountRatePerSecond: integer(env, 'ACCOUNT_RATE_LIMIT_PER_SECOND', D.DEFAULT_ACCOUNT_RATE_PER_SECOND, 1, 10_000),
      accountBurst: integer(env, 'ACCOUNT_BURST', D.DEFAULT_ACCOUNT_BURST, 1, 10_000),
      checkGroupType: boolean(env, 'CHECK_GROUP_TYPE', true),
      groupTypeCacheSize: integer(env, 'GROUP_TYPE_CACHE_SIZE', D.DEFAULT_GROUP_TYPE_CACHE_SIZE, 0, 10_000_000),
      // Per app by default: Tencent's budget is per SDKAppID, and one Redis may serve several apps.
      sharedState: sharedStateConfig(env, target.kind === 'tencent' ? String(target.sdkAppId) : 'simulator'),
    },
  };
}

function origins(env: Env, production: boolean): string[] {
  const text = nonEmpty(env, 'CORS_ORIGINS');
  if (text === undefined) return production ? [] : [...D.DEVELOPMENT_CORS_ORIGINS];
  return text.split(',').map((origin) => {
    const trimmed = origin.trim();
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new ConfigError('CORS_ORIGINS', 'must be a comma-separated list of origins like https://app.example.com');
    }
    if (url.origin !== trimmed) throw new ConfigError('CORS_ORIGINS', `has "${trimmed}", which is not an origin (scheme://host[:port], no path)`);
    return trimmed;
  });
}

function apolloGraphOs(env: Env): Config['apolloGraphOs'] {
  const key = nonEmpty(env, 'APOLLO_KEY');
  const graphRef = nonEmpty(env, 'APOLLO_GRAPH_REF');
  if (key === undefined && graphRef === undefined) return undefined;
  if (key === undefined) throw new ConfigError('APOLLO_KEY', 'is required when APOLLO_GRAPH_REF is set');
  if (graphRef === undefined) throw new ConfigError('APOLLO_GRAPH_REF', 'is required when APOLLO_KEY is set');
  return { key, graphRef };
}

function imRegion(env: Env): ImRegion {
  return oneOf(env, 'IM_REGION', IM_REGIONS, 'china');
}

function accountList(env: Env, name: string): string[] {
  const text = nonEmpty(env, name);
  if (text === undefined) return [];
  return text.split(',').map((item) => {
    const value = item.trim();
    if (!isImAccountText(value)) throw new ConfigError(name, 'must be a comma-separated list of IM accounts (1 to 32 bytes each)');
    return value;
  });
}

/**
 * AUTH_MODE defaults to `usersig` against Tencent and to `none` on the built-in simulator. `none` in front
 * of Tencent must be asked for explicitly (main.ts then warns at start-up).
 */
function authConfig(env: Env, target: ImTarget): AuthConfig {
  const mode = oneOf(env, 'AUTH_MODE', AUTH_MODES, target.kind === 'simulator' ? 'none' : 'usersig');
  if (mode !== 'jwt') return { mode };
  const jwksUrl = nonEmpty(env, 'JWT_JWKS_URL');
  if (jwksUrl === undefined) throw new ConfigError('JWT_JWKS_URL', 'is required when AUTH_MODE=jwt');
  const issuer = nonEmpty(env, 'JWT_ISSUER');
  if (issuer === undefined) throw new ConfigError('JWT_ISSUER', 'is required when AUTH_MODE=jwt');
  const audience = nonEmpty(env, 'JWT_AUDIENCE');
  if (audience === undefined) throw new ConfigError('JWT_AUDIENCE', 'is required when AUTH_MODE=jwt');
  return {
    mode,
    jwksUrl: httpUrl('JWT_JWKS_URL', jwksUrl),
    issuer,
    audience,
    accountClaim: nonEmpty(env, 'JWT_ACCOUNT_CLAIM') ?? D.DEFAULT_JWT_ACCOUNT_CLAIM,
  };
}

function httpUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, 'must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, 'must be an http:// or https:// URL');
  if (url.search !== '' || url.username !== '') throw new ConfigError(name, 'must not contain a query string or credentials');
  return text.replace(/\/+$/, '');
}
