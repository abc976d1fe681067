import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import { DEFAULT_IM_TIMEOUT_MS } from '../config/defaults';
import { imUnavailable } from '../errors';
import type { AdminUserSig } from './admin-usersig';
import type { ImCall, ImReply } from './commands';
import { fromImReply } from './error-table';
import { HostFailover, type HostRole } from './failover';
import { isWatched, watchWrite } from './wire-watch';

/** Default keep-alive connections to the IM host; enough for 200 calls/s at a few hundred ms each. */
const DEFAULT_IM_CONNECTIONS = 64;
/** The header the IM simulator (built-in or standalone) puts on every reply, so a gateway can say what it talks to. */
export const SIMULATOR_MARKER_HEADER = 'x-im-simulator';
/** How long the one-time "is this a simulator?" probe may take. */
const SIMULATOR_PROBE_TIMEOUT_MS = 2000;
const JSON_HEADERS = { 'content-type': 'application/json' };
/** The largest `random` value IM accepts: a 32-bit unsigned integer. */
const MAX_UINT32 = 0xffffffff;

export interface ImHttpClientOptions {
  /** `https://console.tim.qq.com`, or any base URL (a proxy, the simulator); a path prefix is kept. */
  baseUrl: string;
  /** The region's backup host (or `IM_API_BACKUP_BASE_URL`): where retries go while the primary fails. */
  backupBaseUrl?: string;
  sdkAppId: number;
  adminUserSig: AdminUserSig;
  /** Default {@link DEFAULT_IM_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default {@link DEFAULT_IM_CONNECTIONS}. */
  connections?: number;
  /** Told once per switch between the primary and the backup host. */
  onHostSwitch?: (to: HostRole, host: string) => void;
}

/** One IM host: its keep-alive pool, the base URL's path prefix, and its name for metrics and logs. */
interface ImHost {
  name: string;
  pool: Pool;
  pathPrefix: string;
}

/**
 * The bottom layer: a keep-alive undici pool per IM host (primary, and the backup when known) and one signed
 * POST per call. It turns every outcome into an {@link ImReply} or a GatewayError, tells the hooks where
 * each attempt went, when it was written and whether it was abandoned; it knows nothing of GraphQL,
 * retries or limits.
 */
export class ImHttpClient {
  private readonly hosts: { primary: ImHost; backup?: ImHost };
  private readonly failover: HostFailover;
  private readonly timeoutMs: number;
  private simulatorProbe?: Promise<boolean>;
  private queryPrefix?: { userSig: string; text: string };

  constructor(private readonly options: ImHttpClientOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_IM_TIMEOUT_MS;
    this.hosts = {
      primary: this.openHost(options.baseUrl),
      backup: options.backupBaseUrl === undefined ? undefined : this.openHost(options.backupBaseUrl),
    };
    this.failover = new HostFailover(this.hosts.backup !== undefined, (to) => options.onHostSwitch?.(to, (this.hosts[to] ?? this.hosts.primary).name));
  }

  readonly call: ImCall = async (command, body, hooks) => {
    const role = this.failover.current();
    const host = this.hosts[role] ?? this.hosts.primary;
    hooks?.onHost?.(host.name);
    const path = this.signedPath(host, command);
    let writtenAt: number | undefined;
    const unwatch = watchWrite(path, (at) => {
      writtenAt = at;
      hooks?.onWritten?.(at);
    });
    /** No usable answer from this host: the next attempt may go to the other one, and a written call may still land. */
    const hostFailed = () => {
      this.failover.failed(role);
      if (writtenAt !== undefined) hooks?.onAbandoned?.(writtenAt);
    };
    let statusCode: number;
    let text: string;
    // undici's own headers/body timeouts are coarse (about a second); this bounds the whole call exactly.
    const deadline = new CallDeadline(this.timeoutMs);
    try {
      const response = await host.pool.request({ method: 'POST', path, headers: JSON_HEADERS, body: JSON.stringify(body), signal: deadline });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      hostFailed();
      // undici's errors name the host and port, never the query string that holds the UserSig.
      throw imUnavailable(isTimeout(error) ? `no reply within ${this.timeoutMs} ms` : 'network error', error);
    } finally {
      deadline.clear();
      unwatch();
    }
    if (statusCode !== 200) {
      hostFailed(); // a proxy's 502 may come after IM took the request: possibly applied
      throw imUnavailable(`HTTP ${statusCode}`);
    }
    this.failover.answered(role);
    return parseReply(text);
  };

  /**
   * Whether the base URL is served by the IM simulator: one GET of its root, whose reply carries the
   * simulator's marker header; asked once and remembered. Never throws (unreachable: false).
   */
  servedBySimulator(): Promise<boolean> {
    const { pool, pathPrefix } = this.hosts.primary;
    this.simulatorProbe ??= pool
      .request({ method: 'GET', path: `${pathPrefix}/`, signal: AbortSignal.timeout(SIMULATOR_PROBE_TIMEOUT_MS) })
      .then(async (response) => {
        await response.body.dump();
        return response.headers[SIMULATOR_MARKER_HEADER] !== undefined;
      })
      .catch(() => false);
    return this.simulatorProbe;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools().map((pool) => pool.close()));
  }

  /** Aborts calls in progress (a shutdown past its deadline). */
  async destroy(): Promise<void> {
    await Promise.all(this.pools().map((pool) => pool.destroy()));
  }

  private pools(): Pool[] {
    return [this.hosts.primary, this.hosts.backup].flatMap((host) => (host === undefined ? [] : [host.pool]));
  }

  private openHost(baseUrl: string): ImHost {
    const base = new URL(baseUrl);
    const pool = new Pool(base.origin, {
      connections: this.options.connections ?? DEFAULT_IM_CONNECTIONS,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    return { name: base.host, pool, pathPrefix: base.pathname.replace(/\/+$/, '') };
  }

  /** The call's path with its signed query; `random` is fresh per attempt, which also makes the path unique. */
  private signedPath(host: ImHost, command: string): string {
    const prefix = this.signedQueryPrefix();
    for (;;) {
      const path = `${host.pathPrefix}/v4/${command}?${prefix}&random=${randomInt(0, MAX_UINT32 + 1)}&contenttype=json`;
      if (!isWatched(path)) return path;
    }
  }

  /** `sdkappid=…&identifier=…&usersig=…`, encoded once per admin UserSig (it changes about once a day). */
  private signedQueryPrefix(): string {
    const userSig = this.options.adminUserSig.current();
    if (this.queryPrefix?.userSig !== userSig) {
      const text = new URLSearchParams({ sdkappid: String(this.options.sdkAppId), identifier: this.options.adminUserSig.identifier, usersig: userSig }).toString();
      this.queryPrefix = { userSig, text };
    }
    return this.queryPrefix.text;
  }
}

/**
 * One call's deadline, as the `signal` undici aborts on. undici takes an EventEmitter there as well as an
 * AbortSignal (its documented alternative): an AbortController per call, with its EventTarget listener, cost
 * ~20–30 µs of CPU per call in the in-process benchmark; an emitter costs next to nothing. The timer is cleared
 * when the call ends (`AbortSignal.timeout` would stay armed for the whole timeout after every call).
 */
class CallDeadline extends EventEmitter {
  /** What undici throws when aborted: a TimeoutError naming the timeout. */
  reason?: DOMException;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    super();
    this.timer = setTimeout(() => {
      this.reason = new DOMException(`no reply within ${timeoutMs} ms`, 'TimeoutError');
      this.emit('abort');
    }, timeoutMs);
  }

  clear(): void {
    clearTimeout(this.timer);
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
