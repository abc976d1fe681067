import { randomInt } from 'node:crypto';
import { Pool } from 'undici';
import { DEFAULT_IM_TIMEOUT_MS } from '../config/defaults';
import { imUnavailable } from '../errors';
import type { AdminUserSig } from './admin-usersig';
import type { ImCall, ImReply } from './commands';
import { fromImReply } from './error-table';

/** Default keep-alive connections to the IM host; enough for 200 calls/s at a few hundred ms each. */
const DEFAULT_IM_CONNECTIONS = 64;
/** The header the IM simulator (built-in or standalone) puts on every reply, so a gateway can say what it talks to. */
export const SIMULATOR_MARKER_HEADER = 'x-im-simulator';
/** How long the one-time "is this a simulator?" probe may take. */
const SIMULATOR_PROBE_TIMEOUT_MS = 2000;
/** The largest `random` value IM accepts: a 32-bit unsigned integer. */
const MAX_UINT32 = 0xffffffff;

export interface ImHttpClientOptions {
  /** `https://console.tim.qq.com`, or any base URL (a proxy, the simulator); a path prefix is kept. */
  baseUrl: string;
  sdkAppId: number;
  adminUserSig: AdminUserSig;
  /** Default {@link DEFAULT_IM_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default {@link DEFAULT_IM_CONNECTIONS}. */
  connections?: number;
}

/**
 * The bottom layer: one keep-alive undici pool to the IM host and one signed POST per call. It turns
 * every outcome into an {@link ImReply} or a GatewayError; it knows nothing of GraphQL, retries or limits.
 */
export class ImHttpClient {
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly timeoutMs: number;
  private simulatorProbe?: Promise<boolean>;

  constructor(private readonly options: ImHttpClientOptions) {
    const base = new URL(options.baseUrl);
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_IM_TIMEOUT_MS;
    this.pool = new Pool(base.origin, {
      connections: options.connections ?? DEFAULT_IM_CONNECTIONS,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  readonly call: ImCall = async (command, body) => {
    const query = new URLSearchParams({
      sdkappid: String(this.options.sdkAppId),
      identifier: this.options.adminUserSig.identifier,
      usersig: this.options.adminUserSig.current(),
      random: String(randomInt(0, MAX_UINT32 + 1)),
      contenttype: 'json',
    });
    let statusCode: number;
    let text: string;
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: `${this.pathPrefix}/v4/${command}?${query.toString()}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        // undici's own headers/body timeouts are coarse (about a second); this bounds the whole call exactly.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      // undici's errors name the host and port, never the query string that holds the UserSig.
      throw imUnavailable(isTimeout(error) ? `no reply within ${this.timeoutMs} ms` : 'network error', error);
    }
    if (statusCode !== 200) throw imUnavailable(`HTTP ${statusCode}`);
    return parseReply(text);
  };

  /**
   * Whether the base URL is served by the IM simulator: one GET of its root, whose reply carries the
   * simulator's marker header; asked once and remembered. Never throws (unreachable: false).
   */
  servedBySimulator(): Promise<boolean> {
    this.simulatorProbe ??= this.pool
      .request({ method: 'GET', path: `${this.pathPrefix}/`, signal: AbortSignal.timeout(SIMULATOR_PROBE_TIMEOUT_MS) })
      .then(async (response) => {
        await response.body.dump();
        return response.headers[SIMULATOR_MARKER_HEADER] !== undefined;
      })
      .catch(() => false);
    return this.simulatorProbe;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Aborts calls in progress (a shutdown past its deadline). */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Success is `ErrorCode === 0`, whatever else the reply says (Tencent's own sample misspells ActionStatus). */
function parseReply(text: string): ImReply {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    throw imUnavailable('reply is not JSON');
  }
  if (reply === null || typeof reply !== 'object' || typeof (reply as ImReply).ErrorCode !== 'number') {
    throw imUnavailable('reply has no ErrorCode');
  }
  const { ErrorCode, ErrorInfo } = reply as ImReply;
  if (ErrorCode !== 0) throw fromImReply(ErrorCode, typeof ErrorInfo === 'string' ? ErrorInfo : undefined);
  return reply as ImReply;
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  const name = (error as { name?: string } | null)?.name;
  return name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
