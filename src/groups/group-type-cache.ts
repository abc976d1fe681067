import DataLoader from 'dataloader';
import { UNREAD_COUNT_GROUP_TYPES, type GroupType } from '../domain/group';
import { GatewayError, unsupportedGroupType } from '../errors';
import { MAX_GROUPS_PER_INFO_CALL, type ImApi } from '../tencent/commands';
import { LruMap } from '../lib/lru';

/** A second-level store of group types shared by replicas (Redis); its failures only cost a lookup. */
export interface SharedGroupTypes {
  get(groupIds: readonly string[]): Promise<Map<string, GroupType>>;
  set(types: ReadonlyMap<string, GroupType>): Promise<void>;
}

/**
 * Group types, looked up with get_group_info (concurrent lookups batched, up to 50 groups a call) and kept
 * per process in a bounded least-recently-used map: a group's type never changes. Missing groups and
 * errors are not kept, so a group created later is found.
 */
export class GroupTypeCache {
  private readonly known: LruMap<string, GroupType>;
  private readonly inFlight = new Map<string, Promise<GroupType>>();
  private readonly loader: DataLoader<string, GroupType>;

  constructor(api: ImApi, maxEntries: number, shared?: SharedGroupTypes) {
    this.known = new LruMap(maxEntries);
    this.loader = new DataLoader<string, GroupType>(
      async (groupIds) => {
        const fromShared = (await shared?.get(groupIds).catch(() => undefined)) ?? new Map<string, GroupType>();
        const missing = groupIds.filter((groupId) => !fromShared.has(groupId));
        const types: Map<string, GroupType | GatewayError> = missing.length === 0 ? new Map<string, GroupType | GatewayError>() : await api.getGroupTypes(missing);
        const found = new Map([...types].filter((entry): entry is [string, GroupType] => !(entry[1] instanceof GatewayError)));
        if (found.size > 0) await shared?.set(found).catch(() => undefined);
        // getGroupTypes answers every ID: a type, or that group's own error (10010 for a missing one).
        return groupIds.map((groupId) => fromShared.get(groupId) ?? types.get(groupId)!);
      },
      // Caching is ours (bounded, errors never kept); DataLoader only batches.
      { cache: false, maxBatchSize: MAX_GROUPS_PER_INFO_CALL },
    );
  }

  get size(): number {
    return this.known.size;
  }

  /** The type if it is known here already; no lookup. */
  peek(groupId: string): GroupType | undefined {
    return this.known.get(groupId);
  }

  /** Keeps a type learnt elsewhere (a get_group_info made for another reason). */
  remember(groupId: string, type: GroupType): void {
    this.known.set(groupId, type);
  }

  async typeOf(groupId: string): Promise<GroupType> {
    const cached = this.known.get(groupId);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(groupId);
    if (pending === undefined) {
      pending = this.loader.load(groupId).then((type) => {
        this.known.set(groupId, type);
        return type;
      });
      const forget = () => this.inFlight.delete(groupId);
      pending.then(forget, forget);
      this.inFlight.set(groupId, pending);
    }
    return pending;
  }

  /** Rejects with `UNSUPPORTED_GROUP_TYPE` (ChatRoom, AVChatRoom) or the lookup's own error (e.g. GROUP_NOT_FOUND). */
  async assertUnreadCountSupported(groupId: string): Promise<void> {
    const groupType = await this.typeOf(groupId);
    if (!UNREAD_COUNT_GROUP_TYPES.has(groupType)) throw unsupportedGroupType(groupType);
  }
}
