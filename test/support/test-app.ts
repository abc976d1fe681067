import { signUserSig } from '../../src/tencent/usersig';

/** The IM app the tests' gateways sign for (a fake IM or the simulator checks its UserSigs). */
export const TEST_SDKAPPID = 1400123456;
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789abcdef';

/** `Authorization` as the test app's admin, for gateways in their own processes (in-process ones sign with `userSigHeader`). */
export function adminAuthorization(): Record<string, string> {
  return { authorization: `UserSig ${signUserSig({ sdkAppId: TEST_SDKAPPID, secretKey: TEST_SECRET_KEY, identifier: 'administrator', expireSeconds: 3600 })}` };
}
