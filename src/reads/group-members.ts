import type { Caller } from '../auth/caller';
import { authorizeGroupManager } from '../auth/policy';
import type { GroupRole } from '../domain/group';
import { badUserInput } from '../errors';
import type { GroupTypeCache } from '../groups/group-type-cache';
import type { RequestLoaders } from '../groups/request-loaders';
import { MAX_MEMBERS_PER_PAGE_CALL, type ImApi, type MemberPageStart } from '../tencent/commands';
import { assertMemberListReadable } from './member-unread';

/** `first` when not given (Tencent recommends pages of 100). */
export const DEFAULT_MEMBERS_PAGE_SIZE = 100;
/** The most members one page may ask for: one get_group_member_info call. */
export const MAX_MEMBERS_PAGE_SIZE = MAX_MEMBERS_PER_PAGE_CALL;

/** A member as a page listed it: role and read position from the same call, so no further member read is needed. */
export interface ListedMember {
  account: string;
  role: GroupRole;
  readMsgSeq: number;
  /** Opaque: the page after this member. */
  cursor: string;
}

export interface MemberPageResult {
  members: ListedMember[];
  totalCount: number;
  hasNextPage: boolean;
}

/**
 * Where a cursor resumes: an offset (most groups), or a Community page's `Next` token and how many of that
 * page were already shown. Base64url JSON, opaque to clients.
 */
type Position = { offset: number } | { next: string; skip: number };

/**
 * One page of a group's members for an operator console: the group's type (AVChatRoom has no member list) →
 * the caller's right (app admins, the group's Owner and Admins) → one get_group_member_info call of up to 200,
 * paged by Offset, or by IM's `Next` token in Community groups.
 */
export async function readMemberPage(
  groupId: string,
  page: { first: number; after?: string | null },
  caller: Caller,
  deps: { api: ImApi; adminAccounts: ReadonlySet<string>; loaders: RequestLoaders; groupTypes: GroupTypeCache },
): Promise<MemberPageResult> {
  const { first } = page;
  if (!Number.isInteger(first) || first < 1 || first > MAX_MEMBERS_PAGE_SIZE) throw badUserInput('members.first', `must be 1 to ${MAX_MEMBERS_PAGE_SIZE}`);
  const after = page.after ?? undefined;
  const resume = after === undefined ? undefined : decodeCursor(after);
  const type = await deps.groupTypes.typeOf(groupId);
  assertMemberListReadable(type);
  await authorizeGroupManager(caller, groupId, deps.adminAccounts, (ref) => deps.loaders.role.load(ref));

  if (type === 'Community') {
    if (resume !== undefined && !('next' in resume)) throw badUserInput('members.after', 'is not a cursor of this group');
    const { next, skip } = resume ?? { next: '', skip: 0 };
    const limit = Math.min(MAX_MEMBERS_PER_PAGE_CALL, skip + first);
    const reply = await deps.api.getGroupMemberPage(groupId, limit, { next });
    const shown = reply.members.slice(skip, skip + first);
    const endOfCall = skip + shown.length >= reply.members.length;
    const cursorAfter = (index: number): Position => (skip + index + 1 >= reply.members.length ? { next: reply.next ?? '', skip: 0 } : { next, skip: skip + index + 1 });
    return {
      members: shown.map((member, i) => ({ account: member.account, role: member.role, readMsgSeq: member.msgSeq, cursor: encodeCursor(cursorAfter(i)) })),
      totalCount: reply.memberNum,
      hasNextPage: !endOfCall || (reply.next ?? '') !== '',
    };
  }
  if (resume !== undefined && !('offset' in resume)) throw badUserInput('members.after', 'is not a cursor of this group');
  const offset = resume?.offset ?? 0;
  const reply = await deps.api.getGroupMemberPage(groupId, first, { offset } satisfies MemberPageStart);
  const shown = reply.members.slice(0, first);
  return {
    members: shown.map((member, i) => ({ account: member.account, role: member.role, readMsgSeq: member.msgSeq, cursor: encodeCursor({ offset: offset + i + 1 }) })),
    totalCount: reply.memberNum,
    hasNextPage: offset + shown.length < reply.memberNum,
  };
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const refuse = () => badUserInput('members.after', 'is not a cursor this API returned');
  if (cursor.length > 1024) throw refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const position = parsed as Record<string, unknown> | null;
  if (typeof position?.offset === 'number' && Number.isSafeInteger(position.offset) && position.offset >= 0) return { offset: position.offset };
  if (typeof position?.next === 'string' && typeof position.skip === 'number' && Number.isInteger(position.skip) && position.skip >= 0 && position.skip < MAX_MEMBERS_PER_PAGE_CALL) {
    return { next: position.next, skip: position.skip };
  }
  throw refuse();
}
