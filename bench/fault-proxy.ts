// A TCP proxy on loopback between the operator and the apiserver that breaks the
// connections passing through it in the two ways a watch dies in practice: reset
// (the client gets an error at once) or silent (data stops, nothing is closed).
// TLS passes through untouched; the apiserver's certificate names 127.0.0.1, whatever the port.
import net from 'node:net';

interface Connection {
  client: net.Socket;
  upstream: net.Socket;
  silenced: boolean;
}

export class FaultProxy {
  private readonly connections = new Set<Connection>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    const proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.forward(client, target));
    return proxy;
  }

  /** Resets every open connection (RST to the client), as a dead peer or a restarted load balancer would; returns how many. */
  resetAll(): number {
    const open = [...this.connections].filter((connection) => !connection.silenced);
    for (const connection of open) {
      this.connections.delete(connection);
      connection.client.resetAndDestroy();
      connection.upstream.destroy();
    }
    return open.length;
  }

  /**
   * Stops carrying data on every open connection in both directions without closing it,
   * so only a client-side deadline can notice; new connections are forwarded as usual.
   */
  silenceAll(): number {
    const open = [...this.connections].filter((connection) => !connection.silenced);
    for (const connection of open) connection.silenced = true;
    return open.length;
  }

  /** Closes the silenced connections, which in reality only TCP keepalive would, many minutes later. */
  dropSilenced(): void {
    for (const connection of [...this.connections].filter((c) => c.silenced)) this.destroy(connection);
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections]) this.destroy(connection);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: net.Socket, target: { host: string; port: number }): void {
    const connection: Connection = { client, upstream: net.connect(target), silenced: false };
    this.connections.add(connection);
    this.relay(connection, connection.client, connection.upstream);
    this.relay(connection, connection.upstream, connection.client);
  }

  /** Copies data and closes from one side to the other, until the connection is silenced. */
  private relay(connection: Connection, from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (!connection.silenced) to.write(chunk);
    });
    from.on('end', () => {
      if (!connection.silenced) to.end();
    });
    // A failure shows up as 'close' right after; nothing else to do here.
    from.on('error', () => {});
    from.on('close', () => {
      if (!connection.silenced) this.destroy(connection);
    });
  }

  private destroy(connection: Connection): void {
    this.connections.delete(connection);
    connection.client.destroy();
    connection.upstream.destroy();
  }
}
