import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { HttpLimits } from '../config/config';
import { GatewayError, shuttingDown } from '../errors';
import { applyCors } from './cors';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { sendError, sendJson } from './respond';

/** The paths the gateway answers. */
export const GRAPHQL_PATH = '/graphql';
/** How often Node looks for requests past their timeouts (its default, 30 s, would let them run long past). */
const CHECK_TIMEOUTS_EVERY_MS = 500;
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
const METRICS_PATH = '/metrics';

export interface Routes {
  limits: HttpLimits;
  graphql(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void>;
  /** Undefined when ready; otherwise why not. */
  notReadyReason(): string | undefined;
  /** Undefined unless serving degraded (still ready: 200, with the reason in the body). */
  degradedReason(): string | undefined;
  metrics(): Promise<{ contentType: string; text: string }>;
  corsOrigins: readonly string[];
  logger: Logger;
}

/** The HTTP server: request ids, CORS, the probes, /metrics and /graphql; while draining, new GraphQL requests get 503. */
export class GatewayHttpServer {
  readonly server: Server;
  private draining = false;
  private activeGraphQLRequests = 0;

  constructor(private readonly routes: Routes) {
    // A client sending a body at a byte a second, or opening connections without end, holds nothing for long.
    const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, maxConnections } = routes.limits;
    this.server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs, keepAliveTimeout: keepAliveTimeoutMs, connectionsCheckingInterval: CHECK_TIMEOUTS_EVERY_MS }, (request, response) =>
      this.handle(request, response),
    );
    this.server.maxConnections = maxConnections;
  }

  /** Requests on /graphql not yet answered. */
  get activeRequests(): number {
    return this.activeGraphQLRequests;
  }

  /** From now on /readyz answers 503, new GraphQL requests 503 SHUTTING_DOWN, and connections close after each answer. */
  startDraining(): void {
    this.draining = true;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host, backlog: this.routes.limits.listenBacklog }, () => resolve());
    });
    return (this.server.address() as import('node:net').AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const requestId = requestIdOf(request);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    if (this.draining) response.setHeader('connection', 'close');
    if (applyCors(request, response, this.routes.corsOrigins)) return;
    const path = (request.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) return sendJson(response, 200, { status: 'ok' });
    if (path === READY_PATH) return this.ready(response);
    if (path === METRICS_PATH) return this.metrics(response);
    if (this.draining) {
      response.setHeader('retry-after', '1');
      return sendError(response, shuttingDown());
    }
    if (path !== GRAPHQL_PATH) return sendJson(response, 404, { error: `not found; GraphQL is served at ${GRAPHQL_PATH}` });
    this.activeGraphQLRequests += 1;
    response.once('close', () => (this.activeGraphQLRequests -= 1));
    this.routes.graphql(request, response, requestId).catch((error: unknown) => {
      // A refused body's rest is read and dropped (read-body.ts), so the connection can stay open.
      if (error instanceof GatewayError && error.httpStatus !== undefined && !response.headersSent) {
        return sendError(response, error);
      }
      this.routes.logger.error({ err: error, requestId }, 'unexpected error while serving a request');
      if (!response.headersSent) sendJson(response, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else response.destroy();
    });
  }

  private ready(response: ServerResponse): void {
    if (this.draining) return sendJson(response, 503, { status: 'draining' });
    const reason = this.routes.notReadyReason();
    if (reason !== undefined) return sendJson(response, 503, { status: 'not ready', reason });
    // Degraded is still ready: the balancer keeps routing, and callers get the gateway's own coded errors.
    const degraded = this.routes.degradedReason();
    if (degraded !== undefined) return sendJson(response, 200, { status: 'degraded', reason: degraded });
    sendJson(response, 200, { status: 'ready' });
  }

  private metrics(response: ServerResponse): void {
    this.routes.metrics().then(
      ({ contentType, text }) => response.writeHead(200, { 'content-type': contentType }).end(text),
      (error: unknown) => {
        this.routes.logger.error({ err: error }, 'metrics failed');
        sendJson(response, 500, { error: 'metrics failed' });
      },
    );
  }
}
