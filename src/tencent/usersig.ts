import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

/**
 * TLSSigAPIv2 UserSig signing and verification, as pure functions (the clock is a parameter).
 * Signing matches Tencent's official ports byte for byte; verification follows the Go and PHP ports.
 */

/** What a UserSig asserts once verified. */
export interface UserSigClaims {
  identifier: string;
  sdkAppId: number;
  /** Unix seconds when it was signed. */
  time: number;
  /** Validity in seconds, counted from `time` (a duration, not a timestamp). */
  expire: number;
}

export interface SignUserSigOptions {
  sdkAppId: number;
  secretKey: string;
  identifier: string;
  /** Validity in seconds. */
  expireSeconds: number;
  /** Unix seconds; defaults to now. */
  nowSeconds?: number;
}

export interface VerifyUserSigOptions {
  sdkAppId: number;
  secretKey: string;
  /** When given, the UserSig must have been issued to exactly this account. */
  identifier?: string;
  /** Unix seconds; defaults to now. */
  nowSeconds?: number;
}

/** Why a UserSig was rejected; stable strings callers can match on. */
export type UserSigRejection =
  | 'MALFORMED'
  | 'UNSUPPORTED_VERSION'
  | 'WRONG_SDKAPPID'
  | 'WRONG_IDENTIFIER'
  | 'EXPIRED'
  | 'BAD_SIGNATURE';

export class UserSigError extends Error {
  constructor(readonly reason: UserSigRejection) {
    // The message never contains the signature itself.
    super(`UserSig rejected: ${reason}`);
    this.name = 'UserSigError';
  }
}

export function signUserSig(options: SignUserSigOptions): string {
  const time = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const claims: UserSigClaims = {
    identifier: options.identifier,
    sdkAppId: options.sdkAppId,
    time,
    expire: options.expireSeconds,
  };
  const document = {
    'TLS.ver': '2.0',
    'TLS.identifier': claims.identifier,
    'TLS.sdkappid': claims.sdkAppId,
    'TLS.time': claims.time,
    'TLS.expire': claims.expire,
    'TLS.sig': hmacOf(options.secretKey, claims, undefined),
  };
  return escapeBase64(deflateSync(Buffer.from(JSON.stringify(document))).toString('base64'));
}

/** Verifies a UserSig and returns its claims; throws {@link UserSigError} naming the reason. */
export function verifyUserSig(userSig: string, options: VerifyUserSigOptions): UserSigClaims {
  const document = decodeDocument(userSig);
  if (document['TLS.ver'] !== '2.0') throw new UserSigError('UNSUPPORTED_VERSION');
  const identifier = document['TLS.identifier'];
  const sdkAppId = Number(document['TLS.sdkappid']);
  const time = Number(document['TLS.time']);
  const expire = Number(document['TLS.expire']);
  const signature = document['TLS.sig'];
  const userBuf = document['TLS.userbuf'];
  if (
    typeof identifier !== 'string' ||
    typeof signature !== 'string' ||
    !Number.isSafeInteger(sdkAppId) ||
    !Number.isSafeInteger(time) ||
    !Number.isSafeInteger(expire) ||
    (userBuf !== undefined && typeof userBuf !== 'string')
  ) {
    throw new UserSigError('MALFORMED');
  }
  const claims: UserSigClaims = { identifier, sdkAppId, time, expire };
  if (sdkAppId !== options.sdkAppId) throw new UserSigError('WRONG_SDKAPPID');
  if (options.identifier !== undefined && identifier !== options.identifier) {
    throw new UserSigError('WRONG_IDENTIFIER');
  }
  const expected = Buffer.from(hmacOf(options.secretKey, claims, userBuf), 'base64');
  const actual = Buffer.from(signature, 'base64');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new UserSigError('BAD_SIGNATURE');
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (now > time + expire) throw new UserSigError('EXPIRED');
  return claims;
}

function hmacOf(secretKey: string, claims: UserSigClaims, userBuf: string | undefined): string {
  let content =
    `TLS.identifier:${claims.identifier}\n` +
    `TLS.sdkappid:${claims.sdkAppId}\n` +
    `TLS.time:${claims.time}\n` +
    `TLS.expire:${claims.expire}\n`;
  if (userBuf !== undefined) content += `TLS.userbuf:${userBuf}\n`;
  return createHmac('sha256', secretKey).update(content).digest('base64');
}

function decodeDocument(userSig: string): Record<string, unknown> {
  // A real UserSig is a few hundred bytes; refuse to inflate anything absurd.
  if (typeof userSig !== 'string' || userSig.length === 0 || userSig.length > 4096) {
    throw new UserSigError('MALFORMED');
  }
  try {
    const compressed = Buffer.from(unescapeBase64(userSig), 'base64');
    const parsed: unknown = JSON.parse(inflateSync(compressed, { maxOutputLength: 64 * 1024 }).toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new UserSigError('MALFORMED');
  }
}

// Tencent's URL-safe alphabet: not RFC base64url, the padding stays (as `_`).
function escapeBase64(base64: string): string {
  return base64.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

function unescapeBase64(escaped: string): string {
  return escaped.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
}
