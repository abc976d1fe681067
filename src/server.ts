import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginUsageReporting } from '@apollo/server/plugin/usageReporting';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { authenticationPlugin } from './auth/authentication-plugin';
import { createAuthenticator } from './auth/authenticator';
import type { Caller } from './auth/caller';
import type { Config } from './config';
import type { GatewayContext } from './graphql/context';
import { formatError } from './graphql/errors';
import { createGroupLoaders, type GroupLoaders } from './graphql/group/group-loaders';
import { loggingPlugin } from './graphql/logging-plugin';
import { metricsPlugin } from './graphql/metrics-plugin';
import { operationLimitsPlugin } from './graphql/operation-limits';
import { buildGatewaySchema } from './graphql/schema';
import { BodyTooLargeError, readBody } from './http/read-body';
import { GatewayErrorCode } from './im/error-codes';
import type { UnreadCountUpdate } from './im/coalescer';
import { ImUpstream, type ImEndpoint } from './im/upstream';
import { GatewayMetrics } from './metrics';
import { sharedStateFor } from './shared/redis-state';
import { ImSimulator } from './simulator/simulator';

/** The paths the gateway answers. */
export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';
/** While draining, idle keep-alive connections are closed this often, so clients reconnect elsewhere. */
const DRAIN_POLL_MS = 100;
/** How long start-up waits for Redis before serving (not ready) anyway. */
const REDIS_STARTUP_WAIT_MS = 3000;
const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  upstream: ImUpstream;
  /** The in-process simulator, when no Tencent credentials are configured. */
  simulator?: ImSimulator;
  metrics: GatewayMetrics;
  /**
   * Drains: /readyz turns false, new requests are refused (503 SHUTTING_DOWN), every accepted update is
   * sent and answered, then everything closes. Bounded by SHUTDOWN_TIMEOUT_MS; resolves to the updates
   * still unanswered at the deadline (each also logged), normally none.
   */
  stop(): Promise<UnreadCountUpdate[]>;
}

/** Wiring only: the simulator (if needed), the upstream stack, Apollo Server and the HTTP server. */
export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  let simulator: ImSimulator | undefined;
  let endpoint: ImEndpoint;
  if (config.im.target.kind === 'simulator') {
    simulator = new ImSimulator({ adminAccounts: [config.im.adminIdentifier] });
    endpoint = { baseUrl: await simulator.start(), sdkAppId: simulator.sdkAppId, secretKey: simulator.secretKey };
    logger.warn(
      { simulatorUrl: endpoint.baseUrl },
      'NO TENCENT CREDENTIALS (IM_SECRET_KEY unset): serving the BUILT-IN IM SIMULATOR. Nothing reaches Tencent Cloud IM.',
    );
  } else {
    const { baseUrl, sdkAppId, secretKey } = config.im.target;
    endpoint = { baseUrl, sdkAppId, secretKey };
  }

  const metrics = new GatewayMetrics();
  const metricHooks = metrics.upstreamHooks();
  const shared = sharedStateFor(config.im, logger);
  if (shared !== undefined && !(await shared.whenReady(REDIS_STARTUP_WAIT_MS))) {
    logger.error('Redis is not reachable yet: starting NOT READY; updates fail as IM_UNAVAILABLE until it is');
  }
  const upstream = new ImUpstream(endpoint, config.im, {
    ...metricHooks,
    onRetry: (attempt, error) => {
      metricHooks.onRetry(attempt, error);
      logger.warn({ attempt, code: error.code, imErrorCode: error.imErrorCode, imErrorInfo: error.imErrorInfo }, 'retrying IM call');
    },
  }, shared);
  metrics.observeQueues(
    () => upstream.limiterQueueLength,
    () => upstream.coalescer.pendingUpdates,
  );

  // Callers' UserSigs are checked against the app the gateway calls IM for (the simulator's, on the simulator).
  const authenticate = createAuthenticator(config.auth, endpoint, config.im.adminIdentifier);
  if (config.auth.mode === 'none' && simulator === undefined) {
    logger.warn('AUTH_MODE=none in front of Tencent Cloud IM: EVERY CALLER ACTS AS THE APP ADMIN. Use it for local development only.');
  }

  const apollo = new ApolloServer<GatewayContext>({
    schema: await buildGatewaySchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (main.ts): Apollo re-raising the signal would exit before accepted updates are sent.
    stopOnTerminationSignals: false,
    logger: logger.child({ component: 'apollo' }),
    introspection: config.introspection,
    apollo: config.apolloGraphOs,
    plugins: [
      loggingPlugin(),
      metricsPlugin(metrics),
      operationLimitsPlugin(config.limits),
      authenticationPlugin(),
      config.production ? ApolloServerPluginLandingPageProductionDefault() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      // Usage reporting only when GraphOS is configured; a subgraph's schema is published with rover, not reported.
      config.apolloGraphOs ? ApolloServerPluginUsageReporting() : ApolloServerPluginUsageReportingDisabled(),
    ],
  });
  await apollo.start();

  const requestContext = (requestId: string, authorization: string | undefined): GatewayContext => {
    let requestLogger: Logger | undefined;
    let loaders: GroupLoaders | undefined;
    let caller: Promise<Caller> | undefined;
    return {
      requestId,
      authenticate: () => (caller ??= authenticate(authorization)),
      // Made on first use: most requests log nothing, and a pino child per request is measurable.
      get logger() {
        requestLogger ??= logger.child({ requestId });
        return requestLogger;
      },
      get loaders() {
        loaders ??= createGroupLoaders(upstream.api);
        return loaders;
      },
      upstream,
      config,
      simulator: simulator !== undefined,
    };
  };

  const handleGraphQL = async (request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (request.method === 'POST') {
      const text = await readBody(request, config.maxRequestBodyBytes);
      body = text;
      if ((headers.get('content-type') ?? '').includes('json') && text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          sendJson(response, 400, { errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
          return;
        }
      }
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: request.method ?? 'GET', headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => requestContext(requestId, headers.get('authorization')),
    });
    response.statusCode = result.status ?? 200;
    for (const [name, value] of result.headers) response.setHeader(name, value);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  };

  let draining = false;
  let activeGraphQLRequests = 0;
  const httpServer: Server = createServer((request, response) => {
    const incomingId = request.headers[REQUEST_ID_HEADER];
    const requestId = typeof incomingId === 'string' && SAFE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    response.setHeader(REQUEST_ID_HEADER, requestId);
    if (draining) response.setHeader('connection', 'close');
    if (applyCors(request, response, config.corsOrigins)) return;
    const path = (request.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) {
      sendJson(response, 200, { status: 'ok' });
      return;
    }
    if (path === READY_PATH) {
      const reason = draining ? undefined : upstream.notReadyReason();
      if (draining) sendJson(response, 503, { status: 'draining' });
      else if (reason !== undefined) sendJson(response, 503, { status: 'not ready', reason });
      else sendJson(response, 200, { status: 'ready' });
      return;
    }
    if (path === METRICS_PATH) {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics failed');
          sendJson(response, 500, { error: 'metrics failed' });
        },
      );
      return;
    }
    if (draining) {
      response.setHeader('retry-after', '1');
      sendJson(response, 503, {
        errors: [{ message: 'The gateway is shutting down; retry (another instance will answer)', extensions: { code: GatewayErrorCode.SHUTTING_DOWN, retryable: true } }],
      });
      return;
    }
    if (path !== GRAPHQL_PATH) {
      sendJson(response, 404, { error: `not found; GraphQL is served at ${GRAPHQL_PATH}` });
      return;
    }
    activeGraphQLRequests += 1;
    response.once('close', () => (activeGraphQLRequests -= 1));
    handleGraphQL(request, response, requestId).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        response.setHeader('connection', 'close');
        sendJson(response, 413, { errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
        return;
      }
      logger.error({ err: error, requestId }, 'unexpected error while serving a request');
      if (!response.headersSent) sendJson(response, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else response.destroy();
    });
  });
  httpServer.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  logger.info({ url: `${url}${GRAPHQL_PATH}`, imHost: new URL(endpoint.baseUrl).host, simulator: simulator !== undefined }, 'gateway ready');

  let stopping: Promise<UnreadCountUpdate[]> | undefined;
  const stop = (): Promise<UnreadCountUpdate[]> => {
    stopping ??= (async () => {
      // Still listening while draining: /readyz answers 503 and new requests get a clean 503 to retry elsewhere.
      draining = true;
      const deadline = Date.now() + config.shutdownTimeoutMs;
      // Requests in progress finish (their updates wait in the coalescer or the limiter queue), then the coalescer empties.
      while ((activeGraphQLRequests > 0 || upstream.coalescer.pendingUpdates > 0) && Date.now() < deadline) {
        httpServer.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
      const unanswered = upstream.coalescer.unansweredUpdates();
      for (const { groupId, memberAccount, unreadCount } of unanswered) {
        logger.error({ groupId, memberAccount, unreadCount }, 'UNSENT at the shutdown deadline (SHUTDOWN_TIMEOUT_MS): replay this update');
      }
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      await apollo.stop();
      await upstream.close({ abandon: unanswered.length > 0 });
      await simulator?.close();
      return unanswered;
    })();
    return stopping;
  };
  return { url, upstream, simulator, metrics, stop };
}

const CORS_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'apollo-federation-include-trace',
  REQUEST_ID_HEADER,
].join(', ');

/** Sets CORS headers for allowed origins; answers preflights itself (returns true when it did). */
function applyCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  response.setHeader('vary', 'Origin');
  if (origin === undefined || !allowedOrigins.includes(origin)) return false;
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('access-control-expose-headers', REQUEST_ID_HEADER);
  if (request.method !== 'OPTIONS') return false;
  response.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': CORS_ALLOWED_HEADERS,
    'access-control-max-age': '600',
  });
  response.end();
  return true;
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
}
