import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake IM received it: the wire is what these tests check. */
export interface ReceivedRequest {
  method: string;
  path: string;
  command: string;
  query: Record<string, string>;
  rawBody: string;
  body: any;
  headers: IncomingMessage['headers'];
  receivedAt: number;
}

/** What the fake answers: a JSON reply (status 200), or full control over the raw response. */
type FakeReply =
  | Record<string, unknown>
  | { status: number; text: string; delayMs?: number }
  | { json: Record<string, unknown>; delayMs: number };

export type FakeHandler = (request: ReceivedRequest, index: number) => FakeReply | Promise<FakeReply>;

export const OK_REPLY = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };

/** A handler for tests of self-updates: every account asked of get_role_in_group is a `Member`, every other call OK. */
export const EVERYONE_A_MEMBER: FakeHandler = (request) =>
  request.command === 'group_open_http_svc/get_role_in_group'
    ? { ...OK_REPLY, UserIdList: (request.body.User_Account as string[]).map((account) => ({ Member_Account: account, Role: 'Member' })) }
    : OK_REPLY;
const GET_GROUP_INFO = 'group_open_http_svc/get_group_info';

export interface FakeImOptions {
  /**
   * Default: the fake answers get_group_info itself, every group being `Public` unless listed here, so
   * gateways run with their group-type check ON. `'scripted'` hands get_group_info to the handler instead.
   */
  groupTypes?: Record<string, string> | 'scripted';
}

/**
 * A scripted stand-in for Tencent: a real HTTP server on a free loopback port. The handler answers the calls a
 * test scripts; get_group_info is answered from the fake's group table (see {@link FakeImOptions}) and kept in
 * `groupInfoRequests`, apart from `requests`, so a script's indexes count only the calls it answers.
 */
export class FakeIm {
  readonly requests: ReceivedRequest[] = [];
  readonly groupInfoRequests: ReceivedRequest[] = [];
  /** Requests that are not IM calls (not POST). */
  readonly otherRequests: ReceivedRequest[] = [];
  private server?: Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  handler: FakeHandler;

  constructor(
    handler: FakeHandler = () => OK_REPLY,
    private readonly options: FakeImOptions = {},
  ) {
    this.handler = handler;
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  requestsFor(command: string): ReceivedRequest[] {
    return [...this.requests, ...this.groupInfoRequests].filter((request) => request.command === command);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://fake');
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const received: ReceivedRequest = {
      method: request.method ?? '',
      path: url.pathname,
      command: url.pathname.replace(/^.*\/v4\//, ''),
      query: Object.fromEntries(url.searchParams),
      rawBody,
      body,
      headers: request.headers,
      receivedAt: Date.now(),
    };
    if (received.method !== 'POST') {
      // Not an IM call (IM's REST API is POST only): e.g. the gateway asking once whether this is a simulator.
      this.otherRequests.push(received);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const groupTypes = this.options.groupTypes ?? {};
    if (received.command === GET_GROUP_INFO && groupTypes !== 'scripted') {
      this.groupInfoRequests.push(received);
      const ids: unknown[] = Array.isArray(received.body?.GroupIdList) ? received.body.GroupIdList : [];
      const GroupInfo = ids.map((GroupId) => ({ GroupId, ErrorCode: 0, ErrorInfo: '', Type: Object.hasOwn(groupTypes, String(GroupId)) ? groupTypes[String(GroupId)] : 'Public' }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...OK_REPLY, GroupInfo }));
      return;
    }
    const index = this.requests.push(received) - 1;
    const reply = await this.handler(received, index);
    const delayMs = 'delayMs' in reply && typeof reply.delayMs === 'number' ? reply.delayMs : 0;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (response.destroyed) return;
    if ('status' in reply && typeof reply.status === 'number' && 'text' in reply) {
      response.writeHead(reply.status, { 'content-type': 'text/plain' }).end(String(reply.text));
    } else {
      const json = 'json' in reply && typeof reply.json === 'object' ? reply.json : reply;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    }
  }
}

export function imError(errorCode: number, errorInfo = `error ${errorCode}`): Record<string, unknown> {
  return { ActionStatus: 'FAIL', ErrorInfo: errorInfo, ErrorCode: errorCode };
}
