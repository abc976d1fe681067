import fc from 'fast-check';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { FakeIm } from '../support/fake-im';
import { onCleanup } from '../support/cleanup';
import { startGatewayProcess } from '../support/process';

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

/** The gateway's resident memory, read from /proc (Linux). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

/** Operations generated in all; each property run sends a batch of them at once (the gateway takes them in parallel). */
const OPERATIONS = 10_000;
const BATCH = 8;
/**
 * The gateway runs with its V8 old space capped at this: anything kept per request (a leak) would exhaust
 * it within 10,000 requests and end the process, which the test checks is still alive and serving.
 */
const HEAP_CAP_MIB = 256;

describe('hostile operations (property-based)', () => {
  it(`${OPERATIONS.toLocaleString('en')} generated operations and bodies: no crash, no INTERNAL_SERVER_ERROR or runtime messages, no IM call, bounded memory`, async () => {
    const fake = new FakeIm();
    const imUrl = await fake.start();
    // The gateway in its own process: its memory is measured alone, and the generator runs on the other core.
    const { process: gateway, origin: url } = await startGatewayProcess(imUrl, {
      AUTH_MODE: 'none',
      MAX_REQUEST_BODY_BYTES: String(2 * 1024 * 1024),
      NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}`,
    });
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: BATCH });
    onCleanup(async () => {
      agent.destroy();
      gateway.child.kill('SIGKILL');
      await fake.close();
    });
    let crashes = 0;
    let sent = 0;
    let rssEarly = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(bodies, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const answers = await Promise.all(
          batch.map((body) =>
            post(url, body, agent).catch(() => {
              crashes += 1;
              return { status: 0, text: '' };
            }),
          ),
        );
        for (const { status, text } of answers) {
          expect([200, 400, 401, 413]).toContain(status);
          expect(text).not.toContain('INTERNAL_SERVER_ERROR');
          expect(text).not.toContain('Maximum call stack');
        }
        sent += batch.length;
        if (rssEarly === 0 && sent >= OPERATIONS / 10) rssEarly = rssMiB(gateway.child.pid!);
      }),
      { numRuns: OPERATIONS / BATCH },
    );
    expect(sent).toBeGreaterThanOrEqual(OPERATIONS);
    expect(crashes).toBe(0);
    expect(gateway.child.exitCode).toBeNull();
    expect(fake.requests).toHaveLength(0); // no set call, no read: nothing valid was asked
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const rssEnd = rssMiB(gateway.child.pid!);
    process.stdout.write(`gateway RSS after ${OPERATIONS / 10} hostile requests: ${rssEarly.toFixed(0)} MiB; after ${sent}: ${rssEnd.toFixed(0)} MiB\n`);
    // Heap within the cap all along (else the process would have died above; the TypeScript compiler this test
    // process loads into it takes ~100 MiB of that); what the OS sees stays bounded too.
    expect(rssEnd).toBeLessThanOrEqual(HEAP_CAP_MIB + 256);
  }, 600_000);
});
