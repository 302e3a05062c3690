/** The protocols a partition group can run; the schema lets a group name exactly one. */
const PARTITION_PROTOCOLS = ['raft', 'primaryBackup', 'log'] as const;

type ProtocolFields = Partial<Record<(typeof PARTITION_PROTOCOLS)[number], unknown>>;

/** The protocols a partition group names, in PARTITION_PROTOCOLS order. */
export const protocolsOf = (group: ProtocolFields) => PARTITION_PROTOCOLS.filter((protocol) => group[protocol] !== undefined);
