import type { GroupRole, GroupType } from '../domain/group';

export interface SimulatedGroupSeed {
  groupId: string;
  type: GroupType;
  /** Messages in the group so far; unread counts are clamped to it, as IM does. */
  messageCount: number;
  members: Record<string, Exclude<GroupRole, 'NotMember'>>;
}

/** The documentation's own example first (`@TGS#2CLUZEAEJ` with `bob`), then one group of every type. */
export const DEMO_GROUPS: SimulatedGroupSeed[] = [
  { groupId: '@TGS#2CLUZEAEJ', type: 'Public', messageCount: 100, members: { alice: 'Owner', carol: 'Admin', bob: 'Member', dave: 'Member' } },
  { groupId: '@TGS#1WORKTEAM', type: 'Private', messageCount: 50, members: { alice: 'Owner', carol: 'Admin', bob: 'Member' } },
  { groupId: '@TGS#_COMMUNITY1', type: 'Community', messageCount: 500, members: { alice: 'Owner', carol: 'Admin', bob: 'Member' } },
  { groupId: '@TGS#3MEETING1', type: 'ChatRoom', messageCount: 20, members: { alice: 'Owner', carol: 'Admin', bob: 'Member' } },
  { groupId: '@TGS#aLIVESTREAM', type: 'AVChatRoom', messageCount: 1000, members: { alice: 'Owner', carol: 'Admin', bob: 'Member' } },
];
