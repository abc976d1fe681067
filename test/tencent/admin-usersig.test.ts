import { ADMIN_USERSIG_VALIDITY_SECONDS, AdminUserSig } from '../../src/tencent/admin-usersig';
import { verifyUserSig } from '../../src/tencent/usersig';

describe('AdminUserSig', () => {
  const options = { sdkAppId: 1400000001, secretKey: 'k', identifier: 'administrator' };

  it('signs once and reuses the UserSig until it nears expiry, then renews before it expires', () => {
    let nowMs = 1_790_000_000_000;
    const signer = new AdminUserSig({ ...options, now: () => nowMs });
    const first = signer.current();
    nowMs += 60_000;
    expect(signer.current()).toBe(first);
    nowMs += ADMIN_USERSIG_VALIDITY_SECONDS * 0.85 * 1000;
    expect(signer.current()).toBe(first);
    expect(signer.signedCount).toBe(1);
    nowMs += ADMIN_USERSIG_VALIDITY_SECONDS * 0.06 * 1000; // past 90 % of the validity, still before expiry
    const renewed = signer.current();
    expect(renewed).not.toBe(first);
    expect(signer.signedCount).toBe(2);
    // The old one had not expired yet when it was replaced: no call ever carried an expired UserSig.
    expect(() => verifyUserSig(first, { ...options, nowSeconds: Math.floor(nowMs / 1000) })).not.toThrow();
    expect(verifyUserSig(renewed, { ...options, identifier: 'administrator', nowSeconds: Math.floor(nowMs / 1000) }).time).toBe(Math.floor(nowMs / 1000));
  });

  it('signs a new one after invalidate()', () => {
    let nowMs = 1_790_000_000_000;
    const signer = new AdminUserSig({ ...options, now: () => nowMs });
    const first = signer.current();
    nowMs += 1000;
    signer.invalidate();
    expect(signer.current()).not.toBe(first);
    expect(signer.signedCount).toBe(2);
  });
});
