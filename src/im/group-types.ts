import DataLoader from 'dataloader';
import { GatewayErrorCode } from './error-codes';
import { MAX_GROUPS_PER_INFO_CALL, type ImApi, type ImGroupType } from './im-api';
import { ImError } from './im-error';

/** The group types in which set_unread_msg_num does something; on the others IM answers OK and changes nothing. */
export const UNREAD_COUNT_GROUP_TYPES: ReadonlySet<ImGroupType> = new Set(['Private', 'Public', 'Community']);

/** A second-level store of group types shared by replicas (Redis); its failures only cost a lookup. */
export interface SharedGroupTypes {
  get(groupIds: readonly string[]): Promise<Map<string, ImGroupType>>;
  set(types: ReadonlyMap<string, ImGroupType>): Promise<void>;
}

/**
 * Group types, looked up with get_group_info (concurrent lookups batched, up to 50 groups a call) and kept
 * per process in a bounded least-recently-used map: a group's type never changes. Missing groups and
 * errors are not kept, so a group created later is found.
 */
export class GroupTypeCache {
  private readonly known = new Map<string, ImGroupType>();
  private readonly inFlight = new Map<string, Promise<ImGroupType>>();
  private readonly loader: DataLoader<string, ImGroupType>;

  constructor(
    api: ImApi,
    private readonly maxEntries: number,
    shared?: SharedGroupTypes,
  ) {
    this.loader = new DataLoader<string, ImGroupType>(
      async (groupIds) => {
        const fromShared = (await shared?.get(groupIds).catch(() => undefined)) ?? new Map<string, ImGroupType>();
        const missing = groupIds.filter((groupId) => !fromShared.has(groupId));
        const types: Map<string, ImGroupType | ImError> = missing.length === 0 ? new Map() : await api.getGroupTypes(missing);
        const found = new Map([...types].filter((entry): entry is [string, ImGroupType] => !(entry[1] instanceof ImError)));
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

  async typeOf(groupId: string): Promise<ImGroupType> {
    const cached = this.known.get(groupId);
    if (cached !== undefined) {
      // Re-insert so the map's order is least recently used first.
      this.known.delete(groupId);
      this.known.set(groupId, cached);
      return cached;
    }
    let pending = this.inFlight.get(groupId);
    if (pending === undefined) {
      pending = this.loader.load(groupId).then((type) => {
        this.remember(groupId, type);
        return type;
      });
      pending.then(
        () => this.inFlight.delete(groupId),
        () => this.inFlight.delete(groupId),
      );
      this.inFlight.set(groupId, pending);
    }
    return pending;
  }

  /** Rejects with `UNSUPPORTED_GROUP_TYPE` (ChatRoom, AVChatRoom) or the lookup's own error (e.g. GROUP_NOT_FOUND). */
  async assertUnreadCountSupported(groupId: string): Promise<void> {
    const groupType = await this.typeOf(groupId);
    if (!UNREAD_COUNT_GROUP_TYPES.has(groupType)) {
      throw new ImError({
        code: GatewayErrorCode.UNSUPPORTED_GROUP_TYPE,
        retryable: false,
        message: `Unread counts cannot be set in ${groupType} groups: IM would accept the call and change nothing`,
        details: { groupType },
      });
    }
  }

  private remember(groupId: string, type: ImGroupType): void {
    if (this.maxEntries === 0) return;
    this.known.set(groupId, type);
    if (this.known.size > this.maxEntries) this.known.delete(this.known.keys().next().value!);
  }
}
