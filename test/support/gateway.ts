import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config';
import { signUserSig } from '../../src/tencent/usersig';
import { FakeIm, OK_REPLY } from './fake-im';
import { createLogger } from '../../src/observability/logger';
import { startGateway, type RunningGateway } from '../../src/app';

import { TEST_SDKAPPID, TEST_SECRET_KEY } from './test-app';
export { TEST_SDKAPPID, TEST_SECRET_KEY };

/** Collects every JSON log line the gateway writes, to search it for secrets. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestGateway extends RunningGateway {
  logs: LogCapture;
  /** `Authorization: UserSig …` for an account of the app the gateway serves (simulator or test app). */
  userSigHeader(account: string, expireSeconds?: number): Record<string, string>;
  /** POSTs a GraphQL operation as a browser client would, as the app admin unless `headers` has its own `authorization`. */
  graphql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Starts a real gateway on a free port. With `imBaseUrl` it talks to that fake IM; otherwise to its built-in simulator. */
export async function startTestGateway(env: Record<string, string> = {}, imBaseUrl?: string): Promise<TestGateway> {
  const target = imBaseUrl === undefined ? {} : { IM_SDKAPPID: String(TEST_SDKAPPID), IM_SECRET_KEY: TEST_SECRET_KEY, IM_API_BASE_URL: imBaseUrl };
  // The group-type check stays ON: FakeIm answers get_group_info (every group Public unless told otherwise).
  // No warm-up unless a test asks for one: it costs about a second per gateway, and tests start many.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', IM_TIMEOUT_MS: '1000', WARM_UP_REQUESTS: '0', ...target, ...env });
  const logs = new LogCapture();
  const gateway = await startGateway(config, createLogger({ level: 'debug', destination: logs }));
  const app = gateway.simulator ?? { sdkAppId: TEST_SDKAPPID, secretKey: TEST_SECRET_KEY };
  const userSigHeader = (account: string, expireSeconds = 3600): Record<string, string> => ({
    authorization: `UserSig ${signUserSig({ sdkAppId: app.sdkAppId, secretKey: app.secretKey, identifier: account, expireSeconds })}`,
  });
  const adminHeader = userSigHeader(config.im.adminIdentifier);
  return {
    ...gateway,
    logs,
    userSigHeader,
    graphql: (query, variables, headers = {}) => postGraphQL(`${gateway.url}/graphql`, query, variables, { ...adminHeader, ...headers }),
  };
}

export async function postGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}

export const SET_UNREAD = `mutation Set($input: SetGroupMemberUnreadCountInput!) {
  setGroupMemberUnreadCount(input: $input) { groupId memberAccount unreadCount coalesced }
}`;

export const SET_UNREAD_BATCH = `mutation SetMany($inputs: [SetGroupMemberUnreadCountInput!]!) {
  setGroupMemberUnreadCounts(inputs: $inputs) {
    results { groupId memberAccount unreadCount ok error { code message imErrorCode imErrorInfo retryable } }
  }
}`;

/**
 * For a describe block: a gateway in front of a scripted fake IM that answers OK, started once, with the
 * fake's request log cleared before each test. Read `fake` and `gateway` inside tests and hooks.
 */
export function gatewayOnFakeIm(env: Record<string, string> = {}): { fake: FakeIm; gateway: TestGateway } {
  const setup = {} as { fake: FakeIm; gateway: TestGateway };
  beforeAll(async () => {
    setup.fake = new FakeIm(() => OK_REPLY);
    setup.gateway = await startTestGateway(env, await setup.fake.start());
  });
  afterAll(async () => {
    await setup.gateway?.stop();
    await setup.fake?.close();
  });
  beforeEach(() => setup.fake.requests.splice(0));
  return setup;
}
