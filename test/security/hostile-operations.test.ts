import fc from 'fast-check';
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FakeIm } from '../support/fake-im';
import { onCleanup } from '../support/cleanup';
import { startTestGateway } from '../support/gateway';

/** One raw POST over a keep-alive connection: the bytes exactly as generated, valid UTF-8 or not. */
function post(url: string, body: Buffer, agent: import('node:http').Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const name = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/), fc.integer({ min: 100, max: 5_000 }).map((n) => `Op${'x'.repeat(n)}`));
const oddString = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constant('bo\ud800b'), fc.constant('\udfff'), fc.string({ maxLength: 10 }));
/** Operations and bodies an attacker would try; none of them is a valid update, so none may reach IM. */
const hostile = fc.oneof(
  fc.integer({ min: 1, max: 700 }).map((n) => ({ query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: imGateway { region }`).join(' ')} }` })),
  fc.integer({ min: 1, max: 400 }).map((n) => ({ query: `{ ${'groupMember(groupId: "g", memberAccount: "b") { group { '.repeat(n)}id${' } }'.repeat(n)} }` })),
  fc.integer({ min: 1, max: 3_000 }).map((n) => ({ query: `${'{a'.repeat(n)}${'}'.repeat(n)}` })),
  fc.tuple(name, oddString).map(([op, account]) => ({
    query: `mutation ${op}($input: SetGroupMemberUnreadCountInput!) { setGroupMemberUnreadCount(input: $input) { unreadCount } }`,
    operationName: op,
    variables: { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: `${account}\u0000`, unreadCount: 1 } }, // a control character: never valid
  })),
  fc.tuple(name, fc.string({ maxLength: 300 })).map(([op, text]) => ({ query: text, operationName: op })),
  fc.record({ query: fc.constant('{ imGateway { host } }'), variables: fc.anything({ maxDepth: 3 }) }),
);
const bodies = fc.oneof(
  { weight: 8, arbitrary: hostile.map((operation) => Buffer.from(JSON.stringify(operation))) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.concat([Buffer.from('{"query":"{ imGateway { host } }","x":"'), Buffer.from(bytes), Buffer.from('"}')])) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
);

/** Garbage collection on demand, so the memory check below measures what is kept, not what is not collected yet. */
function collectGarbage(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

const RUNS = 2_000;

describe('hostile operations (property-based)', () => {
  it('never crashes, never answers INTERNAL_SERVER_ERROR or the runtime\'s own messages, never calls IM for anything invalid', async () => {
    const fake = new FakeIm();
    const gateway = await startTestGateway({ AUTH_MODE: 'none', MAX_REQUEST_BODY_BYTES: String(2 * 1024 * 1024) }, await fake.start());
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 4 });
    onCleanup(async () => {
      agent.destroy();
      await gateway.stop();
      await fake.close();
    });
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let crashes = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const { status, text } = await post(gateway.url, body, agent).catch(() => {
          crashes += 1;
          return { status: 0, text: '' };
        });
        expect([200, 400, 401, 413]).toContain(status);
        expect(text).not.toContain('INTERNAL_SERVER_ERROR');
        expect(text).not.toContain('Maximum call stack');
      }),
      { numRuns: RUNS },
    );
    expect(crashes).toBe(0);
    expect(fake.requests).toHaveLength(0); // no set call, no read: nothing valid was asked
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    // The gateway runs in this process: report what the hostile requests left behind (Apollo keeps parsed
    // documents in its own size-bounded cache). A bound on it is not asserted yet: see the hardening issue's note.
    collectGarbage();
    process.stdout.write(`heap retained after ${RUNS} hostile requests: ${((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(0)} MiB\n`);
  }, 300_000);
});
