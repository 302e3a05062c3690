// The API server for pods. On a real cluster a pod reaches it at the `kubernetes` Service's
// ClusterIP (10.96.0.1:443 here), which kube-proxy translates to the API server's endpoint. Pods
// here have no route to a ClusterIP and no kube-proxy (no iptables), so the control plane does
// what kube-proxy's old userspace mode did: it listens on an address pods reach (the pod
// network's host address, port 443) and relays each connection, bytes untouched, to the API
// server on loopback. TLS ends at the API server, whose serving certificate names that address.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ApiServerProxy {
  /** Where pods reach the API server: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT. */
  readonly endpoint: Endpoint;
  /** Stops listening and closes every relayed connection. */
  close(): Promise<void>;
}

/** The port pods expect, as the `kubernetes` Service's port on every cluster. */
export const KUBERNETES_SERVICE_PORT = 443;

export async function startApiServerProxy(listen: Endpoint, target: Endpoint): Promise<ApiServerProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    // One side failing or ending ends the other: a relay never holds half a connection.
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
      from.pipe(to);
    }
  });
  await listenOn(server, listen);
  return {
    endpoint: listen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function listenOn(server: Server, { host, port }: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${host}:${port} for pods' API server connections: ${error.message}`)));
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
}
