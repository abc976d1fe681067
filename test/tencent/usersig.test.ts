import { deflateSync, inflateSync } from 'node:zlib';
import { signUserSig, UserSigError, verifyUserSig } from '../../src/tencent/usersig';

// The official signer (CommonJS, no types) is the oracle: our output must match it byte for byte.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Api: OfficialSigner } = require('tls-sig-api-v2/TLSSigAPIv2.js') as { Api: new (sdkAppId: number, key: string) => { genUserSig(id: string, expire: number): string } };

const SDKAPPID = 1400000001;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const NOW_SECONDS = 1_790_000_000;

function officialUserSig(identifier: string, expire: number, nowSeconds = NOW_SECONDS, sdkAppId = SDKAPPID, key = KEY): string {
  const spy = jest.spyOn(Date, 'now').mockReturnValue(nowSeconds * 1000);
  try {
    return new OfficialSigner(sdkAppId, key).genUserSig(identifier, expire);
  } finally {
    spy.mockRestore();
  }
}

function decode(userSig: string): Record<string, unknown> {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
}

function rejectionOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UserSigError) return error.reason;
    throw error;
  }
  return 'ACCEPTED';
}

describe('UserSig (TLSSigAPIv2)', () => {
  it('signs exactly what the official tls-sig-api-v2 package signs', () => {
    for (const [identifier, expire] of [
      ['administrator', 86400],
      ['bob', 180 * 86400],
      ['用户_1', 5],
    ] as const) {
      const ours = signUserSig({ sdkAppId: SDKAPPID, secretKey: KEY, identifier, expireSeconds: expire, nowSeconds: NOW_SECONDS });
      expect(decode(ours)).toEqual(decode(officialUserSig(identifier, expire)));
    }
  });

  it('uses Tencent’s alphabet: no +, / or = survive, and the padding stays as _', () => {
    const userSig = signUserSig({ sdkAppId: SDKAPPID, secretKey: KEY, identifier: 'administrator', expireSeconds: 86400, nowSeconds: NOW_SECONDS });
    expect(userSig).toMatch(/^[A-Za-z0-9*\-_]+$/);
    expect(decode(userSig)).toMatchObject({ 'TLS.ver': '2.0', 'TLS.identifier': 'administrator', 'TLS.sdkappid': SDKAPPID, 'TLS.time': NOW_SECONDS, 'TLS.expire': 86400 });
  });

  it('accepts the official package’s output and returns its claims', () => {
    const claims = verifyUserSig(officialUserSig('bob', 3600), { sdkAppId: SDKAPPID, secretKey: KEY, nowSeconds: NOW_SECONDS + 10 });
    expect(claims).toEqual({ identifier: 'bob', sdkAppId: SDKAPPID, time: NOW_SECONDS, expire: 3600 });
  });

  it('accepts a UserSig compressed at another level', () => {
    const document = decode(officialUserSig('bob', 3600));
    const recompressed = deflateSync(Buffer.from(JSON.stringify(document)), { level: 1 }).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
    expect(verifyUserSig(recompressed, { sdkAppId: SDKAPPID, secretKey: KEY, nowSeconds: NOW_SECONDS }).identifier).toBe('bob');
  });

  it('rejects tampered, expired, wrong-app, wrong-identifier, wrong-key and malformed UserSigs, naming the reason', () => {
    const good = officialUserSig('bob', 3600);
    const options = { sdkAppId: SDKAPPID, secretKey: KEY, nowSeconds: NOW_SECONDS };
    const tampered = (() => {
      const document = decode(good);
      document['TLS.identifier'] = 'mallory';
      return deflateSync(Buffer.from(JSON.stringify(document))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
    })();
    expect(rejectionOf(() => verifyUserSig(good, options))).toBe('ACCEPTED');
    expect(rejectionOf(() => verifyUserSig(tampered, options))).toBe('BAD_SIGNATURE');
    expect(rejectionOf(() => verifyUserSig(good, { ...options, nowSeconds: NOW_SECONDS + 3601 }))).toBe('EXPIRED');
    expect(rejectionOf(() => verifyUserSig(good, { ...options, nowSeconds: NOW_SECONDS + 3600 }))).toBe('ACCEPTED');
    expect(rejectionOf(() => verifyUserSig(officialUserSig('bob', 3600, NOW_SECONDS, 1400000002), options))).toBe('WRONG_SDKAPPID');
    expect(rejectionOf(() => verifyUserSig(good, { ...options, identifier: 'alice' }))).toBe('WRONG_IDENTIFIER');
    expect(rejectionOf(() => verifyUserSig(good, { ...options, secretKey: 'another-key' }))).toBe('BAD_SIGNATURE');
    expect(rejectionOf(() => verifyUserSig('not a usersig', options))).toBe('MALFORMED');
    expect(rejectionOf(() => verifyUserSig('', options))).toBe('MALFORMED');
  });

  it('never puts the UserSig or the key in its error message', () => {
    const good = officialUserSig('bob', 3600);
    try {
      verifyUserSig(good, { sdkAppId: SDKAPPID, secretKey: KEY, nowSeconds: NOW_SECONDS + 999_999 });
      throw new Error('expected a rejection');
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(good);
      expect(String((error as Error).message)).not.toContain(KEY);
    }
  });
});
