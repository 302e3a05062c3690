/** Atomix's REST API (5678) and its messaging port (5679, TCP for messages and UDP for SWIM gossip). */
export const PORTS = { http: 5678, node: 5679 } as const;
