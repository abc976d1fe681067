import { isGroupType, type GroupType } from '../domain/group';
import type { ReplicaConnection } from '../replicas/redis-connection';
import type { SharedGroupTypes } from './group-type-cache';

/** Kept a day: a type never changes, but a disbanded group's custom ID may come back as another type. */
const SHARED_GROUP_TYPE_TTL_MS = 24 * 60 * 60 * 1000;

/** Group types shared by replicas through Redis, so each group is looked up once for all of them. */
export function redisGroupTypes(connection: ReplicaConnection): SharedGroupTypes {
  // One hash tag for all, so a batch's MGET stays in one Redis Cluster slot.
  const keyOf = (groupId: string) => connection.key('group-types', groupId);
  return {
    get: async (groupIds) => {
      const values = await connection.redis.mget(groupIds.map(keyOf));
      const types = new Map<string, GroupType>();
      groupIds.forEach((groupId, index) => {
        const value = values[index];
        if (isGroupType(value)) types.set(groupId, value);
      });
      return types;
    },
    set: async (types) => {
      const pipeline = connection.redis.pipeline();
      for (const [groupId, type] of types) pipeline.set(keyOf(groupId), type, 'PX', SHARED_GROUP_TYPE_TTL_MS);
      await pipeline.exec();
    },
  };
}
