import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { onCleanup } from '../support/cleanup';
import { createHash } from 'node:crypto';
import { serverAudits } from 'graphql-http';
import { startTestGateway, type TestGateway } from '../support/gateway';

describe('GraphQL over HTTP audits (graphql-http serverAudits)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.stop());

  it('passes every MUST audit; the rest are the documented warnings and notices', async () => {
    const audits = serverAudits({ url: `${gateway.url}/graphql`, fetchFn: fetch });
    const results = await Promise.all(audits.map(async (audit) => ({ name: audit.name, result: await audit.fn() })));
    const mustFailures = results.filter(({ name, result }) => name.startsWith('MUST') && result.status !== 'ok');
    expect(mustFailures.map(({ name, result }) => `${name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
    const errors = results.filter(({ result }) => result.status === 'error');
    expect(errors.map(({ name }) => name)).toEqual([]);
  });
});

describe('Apollo Studio and Sandbox', () => {
  it('serves the Sandbox landing page and introspection in development', async () => {
    const gateway = await startTestGateway();
    onCleanup(async () => {
      await gateway.stop();
    });
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('sandbox');
    const introspection = await gateway.graphql('{ __schema { queryType { name } } }');
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
  });

  it('logs a way in that needs no CDN: a curl that works pasted into a shell straight from the JSON line, and the /healthz URL', async () => {
    const gateway = await startTestGateway();
    onCleanup(() => gateway.stop());
    const raw = gateway.logs.lines.find((text) => text.includes('"try it'))!;
    const line = JSON.parse(raw) as Record<string, string>;
    expect(line.healthz).toBe(`${gateway.url}/healthz`);
    expect((await fetch(line.healthz)).status).toBe(200);
    // What a person copies from the log line as written — the raw JSON text, not the parsed value — is the command itself.
    expect(raw).toContain(line.curl);
    expect(line.msg).toContain(line.curl);
    // Run by a shell in another process (the gateway here shares this test's event loop: no synchronous spawn).
    const pasted = await promisify(execFile)('sh', ['-c', line.curl], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(pasted.stdout)).toEqual({ data: { imGateway: { host: expect.any(String), simulator: true } } });
  });

  it('turns introspection off in production unless GRAPHQL_INTROSPECTION=true', async () => {
    for (const [env, allowed] of [
      [{ NODE_ENV: 'production' }, false],
      [{ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }, true],
    ] as const) {
      const gateway = await startTestGateway(env);
      try {
        const response = await gateway.graphql('{ __schema { queryType { name } } }');
        if (allowed) expect(response.body.data.__schema.queryType.name).toBe('Query');
        else expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      } finally {
        await gateway.stop();
      }
    }
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const gateway = await startTestGateway({ CORS_ORIGINS: 'https://studio.apollographql.com,https://console.example.com' });
    onCleanup(async () => {
      await gateway.stop();
    });
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://console.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('content-type');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('supports automatic persisted queries', async () => {
    const gateway = await startTestGateway();
    onCleanup(async () => {
      await gateway.stop();
    });
    const query = '{ imGateway { simulator } }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const post = (body: unknown) =>
      fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    expect((await post({ extensions: { persistedQuery } })).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post({ query, extensions: { persistedQuery } })).data.imGateway.simulator).toBe(true);
    expect((await post({ extensions: { persistedQuery } })).data.imGateway.simulator).toBe(true);
  });

  it('answers a persisted query whose hash does not match, or of an unknown version, as the client’s error (400 BAD_REQUEST), and counts it so', async () => {
    const gateway = await startTestGateway();
    onCleanup(() => gateway.stop());
    const query = '{ imGateway { simulator } }';
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ version: 1, sha256Hash: 'f'.repeat(64) }, 'provided sha does not match query'],
      [{ version: 2, sha256Hash: createHash('sha256').update(query).digest('hex') }, 'Unsupported persisted query version'],
    ];
    for (const [persistedQuery, message] of cases) {
      const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, extensions: { persistedQuery } }) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).errors[0]).toEqual({ message, extensions: { code: 'BAD_REQUEST', retryable: false } });
    }
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^im_gateway_graphql_operations_total\{operation="anonymous",outcome="BAD_REQUEST"\} 2$/m);
    expect(metrics).not.toContain('outcome="INTERNAL_SERVER_ERROR"');
  });

  it('keeps CSRF prevention on: a simple form POST is refused before execution', async () => {
    const gateway = await startTestGateway();
    onCleanup(async () => {
      await gateway.stop();
    });
    const response = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ imGateway { simulator } }')}`, {
      method: 'GET',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('CSRF');
  });

  it('answers 413 to a body above MAX_REQUEST_BODY_BYTES', async () => {
    const gateway = await startTestGateway({ MAX_REQUEST_BODY_BYTES: '2048' });
    onCleanup(async () => {
      await gateway.stop();
    });
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ imGateway { simulator } } # ${'x'.repeat(4096)}` }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  });
});
