import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config/config';
import { isImAccountText } from '../domain/ids';
import { authUnavailable, type GatewayError } from '../errors';
import { LruMap } from '../lib/lru';
import { UserSigError, verifyUserSig } from '../tencent/usersig';
import { AUTH_SCHEMES, unauthenticated, type Caller, type CredentialMode } from './caller';

/** How long a JWKS fetch may take, and how soon an unknown `kid` may trigger a refetch. */
const JWKS_TIMEOUT_MS = 5_000;
const JWKS_COOLDOWN_MS = 30_000;
/** Verified UserSigs remembered (oldest forgotten first): one per active client, a few hundred bytes each. */
const VERIFIED_USERSIG_CACHE_SIZE = 10_000;
/** Far above any real UserSig or JWT; longer headers are refused before any parsing. */
const MAX_CREDENTIAL_LENGTH = 8_192;

/** The app whose UserSigs the gateway accepts: the same one it calls IM for. */
export interface UserSigApp {
  sdkAppId: number;
  secretKey: string;
}

/** Turns an `Authorization` header into a {@link Caller}, or throws UNAUTHENTICATED (401). */
export type Authenticate = (authorization: string | undefined) => Promise<Caller>;

export function createAuthenticator(auth: AuthConfig, app: UserSigApp, adminIdentifier: string): Authenticate {
  switch (auth.mode) {
    case 'none': {
      // Local development only: every caller acts as the app admin.
      const caller: Caller = { account: adminIdentifier };
      return async () => caller;
    }
    case 'usersig': {
      // A client sends the same UserSig for days: remember verified ones (never refused ones) until they expire.
      const verified = new LruMap<string, { caller: Caller; expiresAt: number }>(VERIFIED_USERSIG_CACHE_SIZE);
      return async (authorization) => {
        const userSig = credential(authorization, 'usersig');
        const known = verified.get(userSig);
        if (known !== undefined && Date.now() / 1000 <= known.expiresAt) return known.caller;
        try {
          const { identifier, time, expire } = verifyUserSig(userSig, { sdkAppId: app.sdkAppId, secretKey: app.secretKey });
          if (!isImAccountText(identifier)) throw unauthenticated('usersig', 'MALFORMED');
          const caller: Caller = { account: identifier };
          verified.set(userSig, { caller, expiresAt: time + expire });
          return caller;
        } catch (error) {
          verified.delete(userSig);
          if (error instanceof UserSigError) throw unauthenticated('usersig', error.reason);
          throw error;
        }
      };
    }
    case 'jwt': {
      const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(auth.jwksUrl), {
        timeoutDuration: JWKS_TIMEOUT_MS,
        cooldownDuration: JWKS_COOLDOWN_MS,
      });
      return async (authorization) => {
        const token = credential(authorization, 'jwt');
        let claims: Record<string, unknown>;
        try {
          ({ payload: claims } = await jwtVerify(token, keys, { issuer: auth.issuer, audience: auth.audience }));
        } catch (error) {
          throw jwtRejection(error);
        }
        const account = claims[auth.accountClaim];
        if (typeof account !== 'string' || !isImAccountText(account)) throw unauthenticated('jwt', 'BAD_ACCOUNT_CLAIM');
        return { account };
      };
    }
  }
}

/** The credential after the mode's scheme (case-insensitive, as HTTP auth schemes are). */
function credential(authorization: string | undefined, mode: CredentialMode): string {
  const scheme = AUTH_SCHEMES[mode].toLowerCase();
  // The scheme with nothing after it ("UserSig", "Bearer ") sends no credential at all.
  if (authorization === undefined || authorization.trim() === '' || authorization.trim().toLowerCase() === scheme) throw unauthenticated(mode, 'MISSING');
  if (authorization.length > MAX_CREDENTIAL_LENGTH) throw unauthenticated(mode, 'MALFORMED');
  const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization);
  if (match === null || match[1].toLowerCase() !== scheme) throw unauthenticated(mode, 'WRONG_SCHEME');
  return match[2];
}

function jwtRejection(error: unknown): GatewayError {
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('jwt', 'EXPIRED');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return unauthenticated('jwt', 'WRONG_AUDIENCE');
    if (error.claim === 'iss') return unauthenticated('jwt', 'WRONG_ISSUER');
    return unauthenticated('jwt', 'INVALID_TOKEN');
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return unauthenticated('jwt', 'BAD_SIGNATURE');
  // The key set could not be fetched: the identity provider's fault, not the caller's.
  // (jose reports a non-200 JWKS reply as a generic JOSEError, a network failure as a plain error).
  if (
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    !(error instanceof joseErrors.JOSEError) ||
    error.code === 'ERR_JOSE_GENERIC'
  ) {
    return authUnavailable();
  }
  return unauthenticated('jwt', 'INVALID_TOKEN');
}
