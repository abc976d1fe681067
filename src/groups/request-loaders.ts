import type { GroupRole } from '../domain/group';
import { memberKey, type GroupMemberRef } from '../domain/member';
import { operationLimitExceeded } from '../errors';
import type { ProcessReads } from '../reads/process-reads';
import type { GroupInfo } from '../tencent/commands';

/** Loads one value; the same key twice in one request is one load. */
interface Loader<K, V> {
  load(key: K): Promise<V>;
}

/**
 * One request's view of the process-wide read batchers (reads/process-reads.ts): it bounds the groups the
 * request may touch and answers a key asked twice once. What they read changes (roles, messages, what members
 * have read), so nothing is kept beyond the request; group types never change and live in the GroupTypeCache.
 */
export interface RequestLoaders {
  role: Loader<GroupMemberRef, GroupRole>;
  groupInfo: Loader<string, GroupInfo>;
  readMsgSeq: Loader<GroupMemberRef, number | null>;
}

/**
 * The loaders of one request. `maxGroups` bounds the distinct groups its reads may touch (MAX_GROUPS_PER_REQUEST):
 * past it, a read fails with OPERATION_LIMIT_EXCEEDED instead of costing IM calls, so one request cannot fan out
 * into hundreds of reads.
 */
export function createRequestLoaders(reads: ProcessReads, maxGroups: number): RequestLoaders {
  const touched = new Set<string>();
  const admit = (groupId: string): void => {
    if (touched.has(groupId)) return;
    if (touched.size >= maxGroups) throw operationLimitExceeded('groupsPerRequest', maxGroups, touched.size + 1, 'MAX_GROUPS_PER_REQUEST');
    touched.add(groupId);
  };
  return {
    role: perRequest(memberKey, (ref) => (admit(ref.groupId), reads.role.load(ref))),
    groupInfo: perRequest((groupId) => groupId, (groupId) => (admit(groupId), reads.groupInfo.load(groupId))),
    readMsgSeq: perRequest(memberKey, (ref) => (admit(ref.groupId), reads.readMsgSeq.load(ref))),
  };
}

function perRequest<K, V>(keyOf: (key: K) => string, load: (key: K) => Promise<V>): Loader<K, V> {
  const loads = new Map<string, Promise<V>>();
  return {
    load(key) {
      const id = keyOf(key);
      let pending = loads.get(id);
      if (pending === undefined) {
        pending = (async () => load(key))(); // a refusal thrown at once becomes this load's rejection
        loads.set(id, pending);
      }
      return pending;
    },
  };
}
