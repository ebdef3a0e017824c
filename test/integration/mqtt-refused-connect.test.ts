// Issue 18, item 5: when mqtt.js will not even open the connection (it cannot build the CONNECT
// packet: a password without a user name, a keep-alive MQTT cannot carry), the hub client says so
// as an error, and its state (hence /status and health) carries the reason instead of "connecting".
// check-config refuses both settings; this is the second line of defence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes } from '../helpers/brokers.js';
import { captureLogger } from '../fixtures/devices/helpers.js';
import { HubClient } from '../../src/mqtt/hub-client.js';

for (const [what, extra, reason] of [
  ['a password without a user name', { password: 'secret' }, /Username is required to use password/],
  ['a keep-alive beyond 65535 s', { keepaliveMs: 70_000_000 }, /Invalid keepalive/],
] as const) {
  test(`${what}: logged as an error, visible in the state`, async () => {
    const broker = await startAedes();
    const { logger, lines } = captureLogger('info');
    const hub = new HubClient({
      url: broker.url, gatewayId: '0016c001ff10a235', topicPrefix: 'eu868', marshaler: 'json',
      keepaliveMs: 30_000, publishTimeoutMs: 5000, reconnectMinMs: 100, reconnectMaxMs: 200, logger, ...extra,
    });
    try {
      hub.start();
      const deadline = Date.now() + 5000;
      while (!lines.some((l) => l.level === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const err = lines.find((l) => l.level === 'error');
      assert.ok(err, 'an error line');
      assert.match(String(err!.msg), /refused to open the connection/);
      assert.match(String(err!.err), reason);
      assert.match(hub.state(), reason, hub.state());
      assert.not.ok(hub.online);
      // Retries do not repeat the same error line.
      await new Promise((r) => setTimeout(r, 500));
      assert.is(lines.filter((l) => l.level === 'error').length, 1);
    } finally {
      await hub.stop();
      await broker.stop();
    }
  });
}

test.run();
