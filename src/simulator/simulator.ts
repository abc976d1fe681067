import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SIMULATOR_SDKAPPID } from '../config/defaults';
import { SIMULATOR_MARKER_HEADER } from '../tencent/client';
import { ImCommand } from '../tencent/commands';
import { UserSigError, verifyUserSig, type UserSigRejection } from '../tencent/usersig';
import { DEMO_GROUPS, type SimulatedGroupSeed } from './demo-data';
import { fail, SimulatedGroups, type Reply } from './group-commands';

const MAX_RANDOM = 0xffffffff;
const CALL_LOG_LIMIT = 10_000;

export interface SimulatorOptions {
  /** Default {@link DEFAULT_SIMULATOR_SDKAPPID}. */
  sdkAppId?: number;
  /** Default: random per instance. */
  secretKey?: string;
  /** Default `['administrator']`. */
  adminAccounts?: string[];
  /** Calls per command per second before it answers 60007, like IM. Default 200. */
  rateLimitPerSecond?: number;
  /** Default {@link DEMO_GROUPS}. */
  groups?: SimulatedGroupSeed[];
}

/** One call as the simulator received it, for tests and for curious frontend developers. */
export interface SimulatedCall {
  command: string;
  query: Record<string, string>;
  body: unknown;
  errorCode: number;
  at: number;
}


const COMMAND_PATH_PREFIX = '/v4/';
/** The simulator's own control endpoint: messages arrive in a group. Not an IM API. */
const MESSAGES_PATH = '/simulator/messages';

/**
 * A real HTTP server that behaves like the IM REST endpoints the gateway uses, as documented:
 * it checks sdkappid, the admin identifier, the UserSig (with its own secret), random and contenttype;
 * keeps groups and members in memory; clamps unread counts; ignores updates in ChatRoom and AVChatRoom
 * groups while answering success; and answers 60007 above its per-command call rate.
 */
export class ImSimulator {
  readonly sdkAppId: number;
  readonly secretKey: string;
  readonly adminAccounts: ReadonlySet<string>;
  readonly calls: SimulatedCall[] = [];
  private readonly groups = new SimulatedGroups();
  private readonly rateLimitPerSecond: number;
  private readonly recentCalls = new Map<string, number[]>();
  private server?: Server;

  constructor(options: SimulatorOptions = {}) {
    this.sdkAppId = options.sdkAppId ?? DEFAULT_SIMULATOR_SDKAPPID;
    this.secretKey = options.secretKey ?? randomBytes(32).toString('hex');
    this.adminAccounts = new Set(options.adminAccounts ?? ['administrator']);
    this.rateLimitPerSecond = options.rateLimitPerSecond ?? 200;
    for (const seed of options.groups ?? DEMO_GROUPS) this.addGroup(seed);
  }

  addGroup(seed: SimulatedGroupSeed): void {
    this.groups.add(seed);
  }

  /** A member's unread count as IM holds it, or undefined when not a member. */
  unreadCount(groupId: string, account: string): number | undefined {
    return this.groups.unreadCount(groupId, account);
  }

  /** New messages arrive in a group (nobody reads them yet): every member's unread count grows by `count`. */
  addMessages(groupId: string, count: number): boolean {
    return this.groups.addMessages(groupId, count);
  }

  /** Calls received for one command (e.g. `group_open_http_svc/set_unread_msg_num`). */
  callsOf(command: string): SimulatedCall[] {
    return this.calls.filter((call) => call.command === command);
  }

  /** Listens on a loopback port (0 = any free one); resolves to its base URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((request, response) => this.handle(request, response));
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader(SIMULATOR_MARKER_HEADER, 'im-graphql-gateway');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://simulator');
      if (request.method === 'POST' && url.pathname === MESSAGES_PATH) {
        this.messagesArrived(Buffer.concat(chunks).toString('utf8'), response);
        return;
      }
      if (request.method !== 'POST' || !url.pathname.startsWith(COMMAND_PATH_PREFIX)) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const command = url.pathname.slice(COMMAND_PATH_PREFIX.length);
      const query = Object.fromEntries(url.searchParams);
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      let reply: Reply;
      try {
        body = JSON.parse(rawBody);
        reply = this.answer(command, query, body);
      } catch {
        body = rawBody;
        reply = this.checkRequest(command, query) ?? fail(60003, 'body is not valid JSON');
      }
      this.calls.push({ command, query, body, errorCode: reply.ErrorCode, at: Date.now() });
      if (this.calls.length > CALL_LOG_LIMIT) this.calls.splice(0, this.calls.length - CALL_LOG_LIMIT);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  }

  private answer(command: string, query: Record<string, string>, body: unknown): Reply {
    const refusal = this.checkRequest(command, query);
    if (refusal !== undefined) return refusal;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail(10004, 'body must be a JSON object');
    const fields = body as Record<string, unknown>;
    switch (command) {
      case ImCommand.SET_UNREAD_MSG_NUM:
        return this.groups.setUnreadMsgNum(fields);
      case ImCommand.GET_GROUP_INFO:
        return this.groups.getGroupInfo(fields);
      case ImCommand.GET_ROLE_IN_GROUP:
        return this.groups.getRoleInGroup(fields);
      case ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO:
        return this.groups.getSpecifiedGroupMemberInfo(fields);
      case ImCommand.GET_GROUP_MEMBER_INFO:
        return this.groups.getGroupMemberInfo(fields);
      default:
        return fail(10003, 'invalid command');
    }
  }

  /** The checks every REST call goes through, in IM's order: URL, app, admin, signature, frequency. */
  private checkRequest(command: string, query: Record<string, string>): Reply | undefined {
    if (query.contenttype !== 'json') return fail(60002, 'contenttype must be json');
    const random = Number(query.random);
    if (!/^\d+$/.test(query.random ?? '') || random > MAX_RANDOM) return fail(60002, 'random must be a 32-bit unsigned integer');
    if (query.sdkappid !== String(this.sdkAppId)) return fail(60006, 'SDKAppID invalid');
    const identifier = query.identifier ?? '';
    if (!this.adminAccounts.has(identifier)) return fail(60010, 'identifier is not an app admin');
    try {
      verifyUserSig(query.usersig ?? '', { sdkAppId: this.sdkAppId, secretKey: this.secretKey, identifier });
    } catch (error) {
      const reason: UserSigRejection = error instanceof UserSigError ? error.reason : 'MALFORMED';
      return fail(USERSIG_ERROR_CODES[reason], `UserSig check failed: ${reason}`);
    }
    if (!this.withinRate(command)) return fail(60007, 'REST API call frequency exceeded');
    return undefined;
  }

  private withinRate(command: string): boolean {
    const now = Date.now();
    const recent = (this.recentCalls.get(command) ?? []).filter((at) => now - at < 1000);
    const allowed = recent.length < this.rateLimitPerSecond;
    if (allowed) recent.push(now);
    this.recentCalls.set(command, recent);
    return allowed;
  }

  /** POST /simulator/messages {"groupId", "count"}: messages arrive, so unread counts grow (for frontend development). */
  private messagesArrived(text: string, response: ServerResponse): void {
    let body: { groupId?: unknown; count?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // answered below
    }
    const { groupId, count } = body;
    const valid = typeof groupId === 'string' && typeof count === 'number' && Number.isInteger(count) && count >= 1 && count <= 1_000_000;
    if (!valid || !this.addMessages(groupId, count)) {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'send {"groupId": an existing group, "count": 1 to 1000000}' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ groupId, nextMsgSeq: this.groups.nextMsgSeq(groupId) }));
  }
}

const USERSIG_ERROR_CODES: Record<UserSigRejection, number> = {
  MALFORMED: 70003,
  UNSUPPORTED_VERSION: 70003,
  BAD_SIGNATURE: 70003,
  EXPIRED: 70001,
  WRONG_SDKAPPID: 70014,
  WRONG_IDENTIFIER: 70013,
};
