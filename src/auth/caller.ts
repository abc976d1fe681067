import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { AuthMode } from '../config';
import { GatewayErrorCode } from '../im/error-codes';
import type { UserSigRejection } from '../im/usersig';

/** Who is calling, as proven by their credentials (AUTH_MODE=none: the app admin). */
export interface Caller {
  account: string;
}

/** Why credentials were refused; stable strings for `extensions.reason`: the UserSig verifier's own, and these. */
export type CredentialRejection =
  | UserSigRejection
  | 'MISSING'
  | 'WRONG_SCHEME'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'BAD_ACCOUNT_CLAIM'
  | 'INVALID_TOKEN';

/** The `Authorization` scheme each mode expects. */
export const AUTH_SCHEMES: Record<Exclude<AuthMode, 'none'>, string> = { usersig: 'UserSig', jwt: 'Bearer' };

/** `UNAUTHENTICATED` with HTTP 401 and a `WWW-Authenticate` challenge. The message never echoes the credential. */
export function unauthenticated(mode: Exclude<AuthMode, 'none'>, reason: CredentialRejection): GraphQLError {
  const scheme = AUTH_SCHEMES[mode];
  const message =
    reason === 'MISSING'
      ? `Credentials required: send "Authorization: ${scheme} <${mode === 'usersig' ? 'your IM UserSig' : 'JWT'}>"`
      : `Credentials rejected (${reason})`;
  return new GraphQLError(message, {
    extensions: {
      code: GatewayErrorCode.UNAUTHENTICATED,
      reason,
      retryable: false,
      http: { status: 401, headers: new HeaderMap([['www-authenticate', scheme]]) },
    },
  });
}

/** The identity provider could not be reached (JWKS fetch failed): not the caller's fault, so not a 401. */
export function authUnavailable(): GraphQLError {
  return new GraphQLError('The identity provider is unavailable; try again', {
    extensions: { code: GatewayErrorCode.AUTH_UNAVAILABLE, retryable: true, http: { status: 503 } },
  });
}
