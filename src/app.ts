import type { Logger } from 'pino';
import { createAuthenticator } from './auth/authenticator';
import type { Config } from './config/config';
import { GatewayCore, type ImEndpoint } from './core';
import type { Unanswered } from './writes/coalescer';
import { shuttingDown } from './errors';
import { createApolloServer } from './graphql/apollo-server';
import type { GatewayContext } from './graphql/context';
import { RequestContext } from './graphql/request-context';
import { drain, finishAnswering } from './http/drain';
import { graphqlHandler } from './http/graphql-handler';
import { GatewayHttpServer, GRAPHQL_PATH } from './http/server';
import { warmUp } from './http/warm-up';
import { GatewayMetrics } from './observability/metrics';
import { ImSimulator } from './simulator/simulator';

/** After the shutdown deadline, how long the coded answers to callers still waiting may take to go out. */
const ANSWER_GRACE_MS = 1000;
/** How long start-up waits for Redis before serving (not ready) anyway. */
const REDIS_STARTUP_WAIT_MS = 3000;

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  core: GatewayCore;
  /** The in-process simulator, when no Tencent credentials are configured. */
  simulator?: ImSimulator;
  metrics: GatewayMetrics;
  /**
   * Drains: /readyz turns false, new requests are refused (503 SHUTTING_DOWN), every accepted update is
   * sent and answered, then everything closes. Bounded by SHUTDOWN_TIMEOUT_MS; resolves to the updates
   * still unanswered at the deadline (each also logged), normally none.
   */
  stop(): Promise<Unanswered>;
  /** Ends a drain under way at once, as if its deadline had come (a third signal): what is left is listed as at the deadline. */
  forceStop(): void;
  /** Accepted updates not yet answered (what a drain is waiting for). */
  readonly pendingUpdates: number;
}

/**
 * The composition root: the IM endpoint (Tencent or the built-in simulator), the core (write use case,
 * coalescer, outbound pipeline), authentication, Apollo Server and the HTTP server, and the shutdown drain.
 */
export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const { endpoint, simulator } = await imEndpoint(config, logger);
  const metrics = new GatewayMetrics();
  const hooks = metrics.coreHooks();
  const core = new GatewayCore(endpoint, config.im, config.auth, logger, {
    ...hooks,
    onRetry: (attempt, error) => {
      hooks.onRetry(attempt, error);
      logger.warn({ attempt, code: error.code, imErrorCode: error.imErrorCode, imErrorInfo: error.imErrorInfo }, 'retrying IM call');
    },
  });
  if (!(await core.whenReady(REDIS_STARTUP_WAIT_MS))) {
    logger.error('Redis is not reachable yet: starting NOT READY; updates fail as IM_UNAVAILABLE until it is');
  }
  metrics.observeQueues(
    () => core.limiterQueueLength,
    () => core.coalescer.pendingUpdates,
  );
  metrics.observeDegraded(() => core.degradedReason() !== undefined);

  // Callers' UserSigs are checked against the app the gateway calls IM for (the simulator's, on the simulator).
  const authenticate = createAuthenticator(config.auth, endpoint, config.im.adminIdentifier);
  if (config.auth.mode === 'none' && simulator === undefined) {
    logger.warn('AUTH_MODE=none in front of Tencent Cloud IM: EVERY CALLER ACTS AS THE APP ADMIN. Use it for local development only.');
  }
  const apollo = await createApolloServer(config, metrics, logger);
  const shared = { logger, core, config, simulator: simulator !== undefined, authenticate };
  const contextFor = (requestId: string, authorization: string | undefined): GatewayContext => new RequestContext(requestId, authorization, shared);

  const routes = {
    graphql: graphqlHandler(apollo, config.maxRequestBodyBytes, contextFor),
    notReadyReason: () => core.notReadyReason(),
    degradedReason: () => core.degradedReason(),
    metrics: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
    corsOrigins: config.corsOrigins,
    limits: config.http,
    logger,
  };
  // Warm the request path before listening (src/http/warm-up.ts), on a private port: its requests log nothing
  // and their count is forgotten.
  const quiet = { ...shared, logger: logger.child({}, { level: 'silent' }) };
  const quietContextFor = (requestId: string, authorization: string | undefined): GatewayContext => new RequestContext(requestId, authorization, quiet);
  const adminCredentials = config.auth.mode === 'usersig' ? `UserSig ${core.adminUserSig.current()}` : undefined;
  const warmed = await warmUp(new GatewayHttpServer({ ...routes, graphql: graphqlHandler(apollo, config.maxRequestBodyBytes, quietContextFor) }), config.warmUpRequests, adminCredentials);
  metrics.forgetOperations();
  if (warmed.requests > 0) logger.info(warmed, 'warmed up: requests through the request path before listening (WARM_UP_REQUESTS)');
  const http = new GatewayHttpServer(routes);
  const port = await http.listen(config.port, config.host);
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  // The built-in simulator, or a standalone one behind IM_API_BASE_URL (what `imGateway { simulator }` answers too).
  const onSimulator = simulator !== undefined || (await core.servedBySimulator().catch(() => false));
  logger.info({ url: `${url}${GRAPHQL_PATH}`, imHost: new URL(endpoint.baseUrl).host, simulator: onSimulator, auth: config.auth.mode }, 'gateway ready');
  // The landing page needs the internet (Apollo's CDN); offline, this is the way in.
  const curl = tryItCurl(url);
  logger.info({ healthz: `${url}/healthz`, curl }, `try it: open the URL in a browser for Apollo Sandbox, or run: ${curl}`);

  let stopping: Promise<Unanswered> | undefined;
  let deadline = Number.POSITIVE_INFINITY;
  const stop = (): Promise<Unanswered> =>
    (stopping ??= (async () => {
      deadline = Date.now() + config.shutdownTimeoutMs;
      const unanswered = await drain(http, core.coalescer, () => deadline, () => core.stopSending());
      for (const { groupId, memberAccount, unreadCount } of unanswered.unsent) {
        logger.error({ groupId, memberAccount, unreadCount }, 'UNSENT at the shutdown deadline (SHUTDOWN_TIMEOUT_MS): IM has not applied it; replay this update');
      }
      for (const { groupId, memberAccount, unreadCount } of unanswered.inDoubt) {
        logger.error({ groupId, memberAccount, unreadCount }, 'IN_DOUBT at the shutdown deadline (SHUTDOWN_TIMEOUT_MS): sent, not answered; IM may have applied it (replaying it is safe)');
      }
      const left = unanswered.unsent.length + unanswered.inDoubt.length;
      if (left > 0) {
        // Their callers get SHUTTING_DOWN (retryable) rather than a reset connection; give the answers a moment to go out.
        core.coalescer.failPending(shuttingDown());
        await finishAnswering(http, ANSWER_GRACE_MS);
      }
      await http.close();
      await apollo.stop();
      await core.close({ abandon: left > 0 });
      await simulator?.close();
      return unanswered;
    })());
  const forceStop = (): void => {
    deadline = Date.now();
    void stop();
  };
  return {
    url,
    core,
    simulator,
    metrics,
    stop,
    forceStop,
    get pendingUpdates() {
      return core.coalescer.pendingUpdates;
    },
  };
}

/**
 * A curl that works pasted into a shell, from a terminal or from a JSON log line alike: a GET with the query
 * in the URL (percent-encoded) holds no double quote or backslash, so JSON shows it exactly as it must be
 * typed. A GET needs Apollo's CSRF header.
 */
function tryItCurl(url: string): string {
  return `curl -s -H 'apollo-require-preflight: true' '${url}${GRAPHQL_PATH}?query=${encodeURIComponent('{ imGateway { host simulator } }')}'`;
}

/** Tencent as configured, or the built-in simulator (started here, loudly) when no credentials are set. */
async function imEndpoint(config: Config, logger: Logger): Promise<{ endpoint: ImEndpoint; simulator?: ImSimulator }> {
  if (config.im.target.kind === 'tencent') {
    const { baseUrl, backupBaseUrl, sdkAppId, secretKey } = config.im.target;
    return { endpoint: { baseUrl, backupBaseUrl, sdkAppId, secretKey } };
  }
  const simulator = new ImSimulator({ adminAccounts: [config.im.adminIdentifier] });
  const endpoint = { baseUrl: await simulator.start(), sdkAppId: simulator.sdkAppId, secretKey: simulator.secretKey };
  logger.warn(
    { simulatorUrl: endpoint.baseUrl },
    'NO TENCENT CREDENTIALS (IM_SECRET_KEY unset): serving the BUILT-IN IM SIMULATOR. Nothing reaches Tencent Cloud IM.',
  );
  return { endpoint, simulator };
}
