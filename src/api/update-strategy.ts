// How the operator carries out a change of the members' pods (version, env, resources, the
// Atomix configuration): one member at a time, or every member at once.

export const UPDATE_STRATEGIES = ['RollingUpdate', 'FullRestart'] as const;
export type UpdateStrategy = (typeof UPDATE_STRATEGIES)[number];

/** The opt-in for what a rolling update cannot do: cross the 3.1.5 -> 3.1.6 line (versions.ts). */
export const FULL_RESTART: UpdateStrategy = 'FullRestart';

export const UPDATE_STRATEGY_DESCRIPTION =
  'How a change of the members\' pods is carried out. RollingUpdate (default): one member of the cluster at a time, each ' +
  'group keeping its quorum, no downtime. FullRestart: every member of every group is stopped at once and all start ' +
  'together on the new pod template; data is kept (volumes stay), but the cluster takes no writes from the first stop ' +
  'until every member is back and the groups have elected leaders (about a member\'s restart time plus a few seconds). ' +
  'Required to change version across 3.1.5 -> 3.1.6 (either way): members on either side cannot probe each other, so ' +
  'a rolling update would mix them. While set, every change of the members\' pods is a full restart.';
