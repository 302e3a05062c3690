import { createServer } from 'node:net';

// Ports handed out by this process; the OS may offer a just-released port again
// before the component that was meant to take it has bound it.
const handedOut = new Set<number>();

/** Returns a TCP port on 127.0.0.1 that is free right now and not yet handed out by this process. */
export async function findFreePort(): Promise<number> {
  for (;;) {
    const port = await askKernelForPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function askKernelForPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
