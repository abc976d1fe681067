import { ConfigError, loadConfig } from '../src/config/config';

function problemWith(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('loadConfig', () => {
  it('uses the built-in simulator when no IM_SECRET_KEY is set, with documented defaults', () => {
    const config = loadConfig({});
    expect(config.im.target).toEqual({ kind: 'simulator' });
    expect(config.port).toBe(4000);
    expect(config.im).toMatchObject({
      adminIdentifier: 'administrator',
      timeoutMs: 5000,
      rateLimitPerSecond: 200,
      maxQueueWaitMs: 10_000,
      coalesceWindowMs: 5,
      maxRetries: 3,
      maxBatchSize: 500,
    });
  });

  it('picks the region host from IM_REGION (China by default)', () => {
    const base = { IM_SDKAPPID: '1400000001', IM_SECRET_KEY: 'k' };
    expect(loadConfig(base).im.target).toMatchObject({ baseUrl: 'https://console.tim.qq.com', region: 'china' });
    expect(loadConfig({ ...base, IM_REGION: 'Singapore' }).im.target).toMatchObject({ baseUrl: 'https://adminapisgp.im.qcloud.com', region: 'singapore' });
    expect(loadConfig({ ...base, IM_REGION: 'frankfurt' }).im.target).toMatchObject({ baseUrl: 'https://adminapiger.im.qcloud.com' });
  });

  it("fails over to the region's backup host, or to IM_API_BACKUP_BASE_URL beside IM_API_BASE_URL", () => {
    const base = { IM_SDKAPPID: '1400000001', IM_SECRET_KEY: 'k' };
    // The hosts table of the IM reference (docs/im-rest-reference): China and Singapore.
    expect(loadConfig(base).im.target).toMatchObject({ backupBaseUrl: 'https://adminapi.my-imcloud.com' });
    expect(loadConfig({ ...base, IM_REGION: 'singapore' }).im.target).toMatchObject({ backupBaseUrl: 'https://adminapisgp.my-imcloud.com' });
    const explicit = loadConfig({ ...base, IM_API_BASE_URL: 'http://a.local', IM_API_BACKUP_BASE_URL: 'http://b.local/im/' }).im.target;
    expect(explicit).toMatchObject({ baseUrl: 'http://a.local', backupBaseUrl: 'http://b.local/im' });
    expect(loadConfig({ ...base, IM_API_BASE_URL: 'http://a.local' }).im.target).toMatchObject({ backupBaseUrl: undefined });
  });

  it('prefers an explicit IM_API_BASE_URL (proxies, tests) and keeps its path', () => {
    const config = loadConfig({ IM_SDKAPPID: '1400000001', IM_SECRET_KEY: 'k', IM_API_BASE_URL: 'http://proxy.local:8080/im/' });
    expect(config.im.target).toEqual({ kind: 'tencent', sdkAppId: 1400000001, secretKey: 'k', baseUrl: 'http://proxy.local:8080/im' });
  });

  it.each([
    [{ IM_SECRET_KEY: 'k' }, 'IM_SDKAPPID is required when IM_SECRET_KEY is set'],
    [{ IM_SDKAPPID: '1400000001' }, 'IM_SECRET_KEY is required when IM_SDKAPPID is set'],
    [{ IM_SECRET_KEY: 'k', IM_SDKAPPID: 'abc' }, 'IM_SDKAPPID must be a whole number'],
    [{ IM_REGION: 'mars' }, 'IM_REGION must be one of: china, singapore'],
    [{ IM_TIMEOUT_MS: '0' }, 'IM_TIMEOUT_MS must be a whole number from 1'],
    [{ IM_TIMEOUT_MS: '-5' }, 'IM_TIMEOUT_MS must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535'],
    [{ IM_RATE_LIMIT_PER_SECOND: '1.5' }, 'IM_RATE_LIMIT_PER_SECOND must be a whole number'],
    [{ IM_ADMIN_IDENTIFIER: 'a'.repeat(33) }, 'IM_ADMIN_IDENTIFIER must be an IM account'],
    [{ IM_SECRET_KEY: 'k', IM_SDKAPPID: '1', IM_API_BASE_URL: 'ftp://x' }, 'IM_API_BASE_URL must be an http:// or https:// URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ AUTH_MODE: 'open' }, 'AUTH_MODE must be one of: usersig, jwt, none'],
    [{ AUTH_MODE: 'jwt' }, 'JWT_JWKS_URL is required when AUTH_MODE=jwt'],
    [{ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'https://id.example/jwks' }, 'JWT_ISSUER is required'],
    [{ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'https://id.example/jwks', JWT_ISSUER: 'i' }, 'JWT_AUDIENCE is required'],
    [{ ADMIN_ACCOUNTS: 'ops, ' }, 'ADMIN_ACCOUNTS must be a comma-separated list of IM accounts'],
    [{ ALLOW_SELF_UPDATE: 'yes' }, 'ALLOW_SELF_UPDATE must be true or false'],
    [{ MAX_QUERY_DEPTH: '0' }, 'MAX_QUERY_DEPTH must be a whole number from 1'],
    [{ IM_RATE_LIMIT_PER_SECOND: '50000000' }, 'IM_RATE_LIMIT_PER_SECOND must be a whole number from 1 to 10000'],
    [{ IM_MAX_PENDING_UPDATES: '0' }, 'IM_MAX_PENDING_UPDATES must be a whole number from 1 to 1000000'],
    [{ IM_SECRET_KEY: 'k', IM_SDKAPPID: '1', IM_API_BACKUP_BASE_URL: 'http://b.local' }, 'IM_API_BACKUP_BASE_URL is only used with IM_API_BASE_URL'],
    [{ IM_SECRET_KEY: 'k', IM_SDKAPPID: '1', IM_API_BASE_URL: 'http://a.local', IM_API_BACKUP_BASE_URL: 'b.local' }, 'IM_API_BACKUP_BASE_URL must be an http:// or https:// URL'],
    [{ IM_SHARED_STATE: 'etcd' }, 'IM_SHARED_STATE must be one of: memory, redis'],
    [{ IM_SHARED_STATE: 'redis' }, 'REDIS_URL with IM_SHARED_STATE=redis, set exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES (none is set)'],
    [{ IM_SHARED_STATE: 'redis', REDIS_URL: 'redis://a', REDIS_SENTINELS: 'b:26379' }, 'set exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES (REDIS_URL and REDIS_SENTINELS are all set)'],
    [{ IM_SHARED_STATE: 'redis', REDIS_SENTINELS: 'a:26379,b' }, 'REDIS_SENTINELS must be host:port,host:port,… (got "b")'],
    [{ IM_SHARED_STATE: 'redis', REDIS_SENTINELS: 'a:26379' }, 'REDIS_SENTINEL_MASTER is required with REDIS_SENTINELS'],
    [{ IM_SHARED_STATE: 'redis', REDIS_CLUSTER_NODES: 'a:7000,b:70010' }, 'REDIS_CLUSTER_NODES must be host:port,host:port,… (got "b:70010")'],
    [{ IM_SHARED_STATE: 'redis', REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'b:26379' }, 'set exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES (REDIS_SENTINELS and REDIS_CLUSTER_NODES are all set)'],
    [{ IM_SHARED_STATE: 'redis', REDIS_URL: 'http://x' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    [{ IM_SHARED_STATE: 'redis', REDIS_URL: 'redis://x', REDIS_TLS: 'true' }, 'REDIS_TLS is for REDIS_SENTINELS and REDIS_CLUSTER_NODES; with REDIS_URL, write rediss:// for TLS'],
    [{ IM_SHARED_STATE: 'redis', REDIS_CLUSTER_NODES: 'a:7000', REDIS_TLS: 'yes' }, 'REDIS_TLS must be true or false'],
  ])('names the bad variable: %j', (env, message) => {
    expect(problemWith(env)).toContain(message);
  });

  it('authenticates callers by their UserSig in front of Tencent, and not at all on the simulator, unless told', () => {
    const tencent = { IM_SDKAPPID: '1400000001', IM_SECRET_KEY: 'k' };
    expect(loadConfig(tencent).auth).toMatchObject({ mode: 'usersig', allowSelfUpdate: true });
    expect(loadConfig({}).auth.mode).toBe('none');
    expect(loadConfig({ AUTH_MODE: 'usersig' }).auth.mode).toBe('usersig');
    expect(loadConfig({ ...tencent, AUTH_MODE: 'none' }).auth.mode).toBe('none');
    expect([...loadConfig({ ...tencent, IM_ADMIN_IDENTIFIER: 'root', ADMIN_ACCOUNTS: 'ops, support' }).auth.adminAccounts]).toEqual(['root', 'ops', 'support']);
    expect(loadConfig({ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'https://id.example/jwks', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }).auth).toMatchObject({
      mode: 'jwt',
      accountClaim: 'sub',
    });
  });

  it('keeps shared state in memory unless told, and prefixes Redis keys with the app', () => {
    expect(loadConfig({}).im.sharedState).toEqual({ kind: 'memory' });
    expect(loadConfig({ IM_SDKAPPID: '1400000001', IM_SECRET_KEY: 'k', IM_SHARED_STATE: 'redis', REDIS_URL: 'redis://:pw@cache:6379/2' }).im.sharedState).toEqual({
      kind: 'redis',
      topology: { kind: 'single', url: 'redis://:pw@cache:6379/2' },
      keyPrefix: 'im-gateway:1400000001:',
    });
    const sentinel = { IM_SHARED_STATE: 'redis', REDIS_SENTINELS: 's1:26379, s2:26380', REDIS_SENTINEL_MASTER: 'im', REDIS_SENTINEL_PASSWORD: 'sp', REDIS_PASSWORD: 'rp' };
    expect(loadConfig(sentinel).im.sharedState).toEqual({
      kind: 'redis',
      topology: { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], masterName: 'im', sentinelPassword: 'sp', password: 'rp', tls: false },
      keyPrefix: 'im-gateway:simulator:',
    });
    expect(loadConfig({ IM_SHARED_STATE: 'redis', REDIS_CLUSTER_NODES: 'n1:7000', REDIS_TLS: 'true' }).im.sharedState).toMatchObject({ topology: { kind: 'cluster', tls: true } });
    expect(loadConfig({ IM_SHARED_STATE: 'redis', REDIS_CLUSTER_NODES: 'n1:7000,10.0.0.2:7001', REDIS_PASSWORD: 'rp' }).im.sharedState).toEqual({
      kind: 'redis',
      topology: { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], password: 'rp', tls: false },
      keyPrefix: 'im-gateway:simulator:',
    });
  });

  it('has documented defaults for the operation limits and the group-type check', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({ maxQueryDepth: 10, maxQueryComplexity: 1000, maxRootMutationFields: 10, maxQueryTokens: 15_000, maxGroupsPerRequest: 50 });
    expect(config.maxRequestBodyBytes).toBe(1024 * 1024);
    expect(config.im).toMatchObject({ checkGroupType: true, groupTypeCacheSize: 10_000 });
  });

  it('accepts any positive IM_TIMEOUT_MS, as tests need short ones', () => {
    expect(loadConfig({ IM_TIMEOUT_MS: '1' }).im.timeoutMs).toBe(1);
  });

  it('never echoes the secret key in an error', () => {
    expect(problemWith({ IM_SECRET_KEY: 'super-secret-value', IM_SDKAPPID: 'x' })).not.toContain('super-secret-value');
  });
});
