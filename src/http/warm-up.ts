import { GRAPHQL_PATH, type GatewayHttpServer } from './server';

/**
 * Requests through the whole request path before the gateway listens for anyone (WARM_UP_REQUESTS): a fresh
 * process takes its first requests in slower than an IM round trip (V8 and the GraphQL layers warm up), so a
 * burst arriving right after a rollout spread over several IM calls instead of sharing one. In rounds of 50.
 */
const WARM_UP_CONCURRENCY = 50;

/**
 * The mutation clients send, with a count IM would never get: the write use case refuses it
 * (BAD_USER_INPUT) before any IM call, after HTTP, authentication, Apollo and the resolver have run.
 */
const WARM_UP_BODY = JSON.stringify({
  query: 'mutation WarmUp($input: SetGroupMemberUnreadCountInput!) { setGroupMemberUnreadCount(input: $input) { groupId memberAccount unreadCount coalesced } }',
  variables: { input: { groupId: '@TGS#WARMUP', memberAccount: 'warm-up', unreadCount: -1 } },
});

/** What the warm-up requests were answered: their error codes (BAD_USER_INPUT: the resolver ran) and how long it took. */
export interface WarmUpReport {
  requests: number;
  ms: number;
  outcomes: Record<string, number>;
}

/**
 * Runs the warm-up requests against `server` (a private one on a loopback port, serving the same handlers as
 * the public one, with logs and metrics of its own to throw away), then closes it. `authorization`: the app
 * admin's credentials when the gateway can make them (AUTH_MODE usersig or none), so the resolvers run too.
 */
export async function warmUp(server: GatewayHttpServer, requests: number, authorization: string | undefined): Promise<WarmUpReport> {
  const report: WarmUpReport = { requests, ms: 0, outcomes: {} };
  if (requests === 0) return report;
  const startedAt = performance.now();
  const port = await server.listen(0, '127.0.0.1');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) };
  const count = (outcome: string) => (report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1);
  try {
    for (let sent = 0; sent < requests; sent += WARM_UP_CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(WARM_UP_CONCURRENCY, requests - sent) }, () =>
          fetch(`http://127.0.0.1:${port}${GRAPHQL_PATH}`, { method: 'POST', headers, body: WARM_UP_BODY }).then(
            async (response) => count(((await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code ?? 'ok'),
            () => count('failed'), // a warm-up that fails costs nothing but the warmth
          ),
        ),
      );
    }
  } finally {
    await server.close();
  }
  report.ms = Math.round(performance.now() - startedAt);
  return report;
}
