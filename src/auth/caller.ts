import { unauthenticated as unauthenticatedError, type GatewayError } from '../errors';
import type { UserSigRejection } from '../tencent/usersig';

/** Who is calling, as proven by their credentials (AUTH_MODE=none: the app admin). */
export interface Caller {
  account: string;
}

/** The modes that check credentials (`none` checks nothing). */
export type CredentialMode = 'usersig' | 'jwt';

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
export const AUTH_SCHEMES: Record<CredentialMode, string> = { usersig: 'UserSig', jwt: 'Bearer' };

/** `UNAUTHENTICATED` (HTTP 401) with a `WWW-Authenticate` challenge. The message never echoes the credential. */
export function unauthenticated(mode: CredentialMode, reason: CredentialRejection): GatewayError {
  const scheme = AUTH_SCHEMES[mode];
  const message =
    reason === 'MISSING'
      ? `Credentials required: send "Authorization: ${scheme} <${mode === 'usersig' ? 'your IM UserSig' : 'JWT'}>"`
      : `Credentials rejected (${reason})`;
  return unauthenticatedError(message, reason, scheme);
}
