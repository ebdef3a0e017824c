// A TCP proxy between the daemon and the broker, to cut the backhaul while the broker (and the hub's
// subscriber on it) stays up: `down()` drops every connection and refuses new ones; `up()` restores.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  down(): void;
  up(): void;
  /** Existing connections stop carrying data but stay open (a half-dead link); new ones work. */
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let isUp = true;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    if (!isUp) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const down = () => {
    isUp = false;
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  const freeze = () => {
    for (const [a, b] of pairs) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
    }
  };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    down,
    freeze,
    up() {
      isUp = true;
    },
    async close() {
      down();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
