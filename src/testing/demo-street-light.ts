// The demo's OTAA street light: it joins through the gateway (edge mode answers), reports its
// energy use, and applies dimming commands it receives, logging each step.
import type { Logger } from '../log.js';
import { PacketForwarderSim, makeRxpk } from './packet-forwarder.js';
import { SimulatedOtaaDevice, txpkPayload, type OtaaDeviceSpec } from './otaa-devices.js';
import { streetLightUsagePayload } from './device-payloads.js';
import { parsePhyPayload } from '../lorawan/index.js';

/** Public demo identity and key: never use them in the field. */
export const DEMO_OTAA_STREET_LIGHT: OtaaDeviceSpec & { profile: string; owner: string } = {
  name: 'demo-streetlight-otaa',
  devEui: '70b3d57ed00b0001',
  joinEui: '70b3d57ed0000000',
  appKey: '5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a',
  profile: 'nasys-ul20xx',
  owner: 'demo-city-lighting',
};

/** The registry entry that lets edge mode answer this device (class C: dimming goes out at once). */
export function demoStreetLightRegistryEntry(): string {
  const d = DEMO_OTAA_STREET_LIGHT;
  return [
    `  - devEui: "${d.devEui}"`, `    name: ${d.name}`, `    profile: ${d.profile}`, `    owner: ${d.owner}`,
    '    edge: true', '    class: C', '    activation:', `      joinEui: "${d.joinEui}"`, `      appKey: "${d.appKey}"`, '',
  ].join('\n');
}

export interface StreetLightRun {
  onJoined: (devEui: string) => void;
  signal: AbortSignal;
  logger: Logger;
  /** Seconds between usage reports. */
  reportEverySec?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Runs until the signal aborts; downlinks arrive as PULL_RESP at `forwarder`. */
export async function runDemoStreetLight(forwarder: PacketForwarderSim, run: StreetLightRun): Promise<void> {
  const device = new SimulatedOtaaDevice(DEMO_OTAA_STREET_LIGHT, Math.floor(Math.random() * 60000));
  const log = run.logger;
  let seen = forwarder.pullResponses.length;
  let tmst = 1_000_000;
  let reports = 0;
  const takeDownlinks = (): Buffer[] => {
    const fresh = forwarder.pullResponses.slice(seen).map((r) => txpkPayload(r.txpk));
    seen = forwarder.pullResponses.length;
    return fresh;
  };
  while (!run.signal.aborted) {
    if (!device.joined) {
      log.info({ devEui: DEMO_OTAA_STREET_LIGHT.devEui }, 'street light: sending a join request');
      await forwarder.pushRxpk([makeRxpk({ payload: device.joinRequest(), tmst: (tmst += 1_000_000) >>> 0 })]);
      for (let waited = 0; waited < 8000 && !device.joined && !run.signal.aborted; waited += 250) {
        await sleep(250, run.signal);
        for (const phy of takeDownlinks()) {
          if (parsePhyPayload(phy).kind !== 'joinAccept') continue;
          const accepted = device.acceptJoin(phy);
          log.info({ devAddr: accepted.devAddrHex }, 'street light: joined through the gateway (edge mode)');
          run.onJoined(DEMO_OTAA_STREET_LIGHT.devEui);
        }
      }
      continue;
    }
    await forwarder.pushRxpk([makeRxpk({ payload: device.uplink({ fPort: 26, payload: streetLightUsagePayload(reports++) }), tmst: (tmst += 1_000_000) >>> 0 })]);
    for (let waited = 0; waited < (run.reportEverySec ?? 10) * 1000 && !run.signal.aborted; waited += 250) {
      await sleep(250, run.signal);
      for (const phy of takeDownlinks()) {
        if (parsePhyPayload(phy).kind !== 'data') continue;
        const down = device.receive(phy);
        if (down.fPort === 60 && down.payload[0] === 0x01 && down.payload.length >= 3) {
          const level = down.payload[2];
          log.info({ level: level === 0xff ? 'schedule' : `${level}%` }, 'street light: dimming command applied');
        }
      }
    }
  }
}
