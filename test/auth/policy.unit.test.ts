import type { Caller } from '../../src/auth/caller';
import { authorizeMemberAccess } from '../../src/auth/policy';
import type { GroupRole } from '../../src/domain/group';
import type { GroupMemberRef } from '../../src/domain/member';

// The "Who may call it" rules (docs/security.md), as a table: caller, their role in the group, self allowed?, target → allowed?
const ADMINS = new Set(['administrator', 'ops']);
const CASES: Array<[string, GroupRole, boolean, string, boolean]> = [
  ['administrator', 'NotMember', false, 'bob', true],
  ['ops', 'NotMember', false, 'bob', true],
  ['bob', 'Member', true, 'bob', true],
  ['bob', 'Member', false, 'bob', false],
  ['bob', 'Member', true, 'dave', false],
  ['alice', 'Owner', false, 'bob', true],
  ['carol', 'Admin', false, 'bob', true],
  ['mallory', 'NotMember', true, 'bob', false],
];

describe('authorizeMemberAccess', () => {
  it.each(CASES)('%s (%s in the group; self allowed: %s) acting on %s: allowed %s', async (account, role, allowSelf, target, allowed) => {
    const asked: GroupMemberRef[] = [];
    const roleOf = async (member: GroupMemberRef) => {
      asked.push(member);
      return role;
    };
    const caller: Caller = { account };
    const attempt = authorizeMemberAccess(caller, { groupId: '@TGS#G', memberAccount: target }, { adminAccounts: ADMINS, allowSelf, action: 'set the unread count of' }, roleOf);
    if (allowed) await expect(attempt).resolves.toBeUndefined();
    else await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN', retryable: false });
    // IM is asked only when neither the admin list nor the self rule decides, and then only for the caller.
    const decidedLocally = ADMINS.has(account) || (allowSelf && account === target);
    expect(asked).toEqual(decidedLocally ? [] : [{ groupId: '@TGS#G', memberAccount: account }]);
  });

  // Writes: the member themself passes only while IM lists them in the group (no set call for a non-member).
  const WRITE_CASES: Array<[string, GroupRole, boolean]> = [
    ['Member', 'Member', true],
    ['Owner', 'Owner', true],
    ['Admin', 'Admin', true],
    ['NotMember', 'NotMember', false],
  ];
  it.each(WRITE_CASES)('a self-update by a %s (selfMustBeMember): allowed %s', async (_label, role, allowed) => {
    const asked: GroupMemberRef[] = [];
    const roleOf = async (member: GroupMemberRef) => (asked.push(member), role);
    const policy = { adminAccounts: ADMINS, allowSelf: true, selfMustBeMember: true, action: 'set the unread count of' };
    const attempt = authorizeMemberAccess({ account: 'bob' }, { groupId: '@TGS#G', memberAccount: 'bob' }, policy, roleOf);
    if (allowed) await expect(attempt).resolves.toBeUndefined();
    else await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('not a member of this group') });
    expect(asked).toEqual([{ groupId: '@TGS#G', memberAccount: 'bob' }]);
  });
});
