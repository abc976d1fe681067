import { signUserSig } from './usersig';

/** Default 24 h: Tencent advises at least a day; shorter keeps a leaked query string useful for less time. */
export const ADMIN_USERSIG_VALIDITY_SECONDS = 24 * 60 * 60;
/** Default: renew when a tenth of the validity is left, well before calls could carry an expired one. */
const ADMIN_USERSIG_RENEW_FRACTION = 0.1;

export interface AdminUserSigOptions {
  sdkAppId: number;
  secretKey: string;
  identifier: string;
  /** Default {@link ADMIN_USERSIG_VALIDITY_SECONDS}. */
  validitySeconds?: number;
  /** Milliseconds since the epoch; default `Date.now`. Tests move it. */
  now?: () => number;
}

/**
 * The app admin's UserSig, signed once and reused by every call until it nears expiry. Signing is
 * synchronous, so a renewal cannot race with calls: each call reads whichever UserSig is current.
 */
export class AdminUserSig {
  private cached?: { userSig: string; renewAtMs: number };
  private readonly validitySeconds: number;
  private readonly now: () => number;
  /** How many UserSigs were signed so far (exposed for tests and metrics). */
  signedCount = 0;

  constructor(private readonly options: AdminUserSigOptions) {
    this.validitySeconds = options.validitySeconds ?? ADMIN_USERSIG_VALIDITY_SECONDS;
    this.now = options.now ?? Date.now;
  }

  get identifier(): string {
    return this.options.identifier;
  }

  /** The UserSig to send now; signs a new one only when none is cached or the cached one is near expiry. */
  current(): string {
    const nowMs = this.now();
    if (this.cached === undefined || nowMs >= this.cached.renewAtMs) {
      const nowSeconds = Math.floor(nowMs / 1000);
      const userSig = signUserSig({
        sdkAppId: this.options.sdkAppId,
        secretKey: this.options.secretKey,
        identifier: this.options.identifier,
        expireSeconds: this.validitySeconds,
        nowSeconds,
      });
      const renewAfterSeconds = this.validitySeconds * (1 - ADMIN_USERSIG_RENEW_FRACTION);
      this.cached = { userSig, renewAtMs: (nowSeconds + renewAfterSeconds) * 1000 };
      this.signedCount += 1;
    }
    return this.cached.userSig;
  }

  /** Drops the cached UserSig after IM said it expired or was invalidated (70001, 70052). */
  invalidate(): void {
    this.cached = undefined;
  }
}
