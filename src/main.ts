#!/usr/bin/env -S node --max-old-space-size=96 --max-semi-space-size=1
// The V8 flags above cap the old generation on a 1 GB gateway and keep the young generation small
// (about 25 MB less RSS; docs/storage.md says what each costs); scripts that start the daemon read
// the flags from this line.
// The command line only: parses argv, hands over to the daemon or a tool, maps errors to exit codes
// (0 ok, 1 failure, 2 bad usage or bad configuration).
import { UsageError } from './command-args.js';
// ConfigError (config/load.ts) is recognised by name: importing it would load the configuration
// schema (zod, yaml) for every command, a third of a one-shot tool's start-up time.

const HELP = `lora-edge: LoRaWAN edge gateway daemon

Usage: lora-edge <command> [options]

Daemon
  run [--config PATH]              run the gateway daemon (default config /etc/lora-edge/config.yaml)
  run --demo                       run on embedded defaults: embedded MQTT broker, simulated packet
                                   forwarder and devices (what \`npm start\` does)
  check-config [--config PATH]     list every problem in a configuration file (exit 2 if any)
  print-config                     print a commented configuration template
  status [--config PATH | --url URL [--token-file FILE]] [--json]
                                   summary from the running daemon: sources, MQTT, outbox, drain progress
                                   (no flags: 127.0.0.1:9110 first, then the default config's address)

Technician tools
  frame <hex|base64> [--nwkskey K] [--appskey K] [--appkey K] [--devnonce N]
                                   decode one LoRaWAN frame and print it as JSON
  decode --codec <id|path.js> --fport N <hex>
                                   run a device codec on one payload; prints {data, warnings, errors}
  profiles list [--dir DIR] | profiles check [DIR]
                                   show or validate device profiles and their codecs
  simulate udp --target HOST:PORT [--rate N] [--count N] [--devices N] [--gateway EUI] [--prebuild]
                                   act as a packet forwarder sending encrypted uplinks
                                   (--prebuild: build them all first, for benchmarks)
  outbox stats [--config PATH | --dir STORAGE_DIR]
  outbox export --out FILE [--config PATH | --dir STORAGE_DIR]
                                   inspect or export the outbox (daemon stopped)
  hub-tail --url URL [--gateway ID] [--prefix P] [--count N] [--legacy-topics] [--ack]
                                   hub side: subscribe to batches, de-duplicate, report seq gaps;
                                   --ack confirms each batch (gateways with batch.hubAck)

Hub
  hub ingest --url MQTT_URL --db sqlite:PATH|postgres://... [--group G] [--client-id ID]
             [--prefix P] [--registry FILE] [--legacy-topics] [--protocol 4|5]
                                   write every gateway's batches into a database exactly once
                                   (several processes share the load with --group; docs/hub/ingest.md)
  hub report --db DB_URL [--day YYYY-MM-DD] [--json]
                                   uplinks and bytes per owner per day

Fleet (hub side, docs/fleet.md)
  fleet publish --url URL [--gateway ID] [--sign-key FILE] [--version V] [--encrypt-to KEY]... DIR
                                   build a bundle from DIR (devices.yaml, profiles/), check it as a
                                   gateway would, publish it retained (--dry-run: check only)
  fleet status --url URL [--json]  every gateway's applied bundle versions; stragglers exit 1
  fleet session --url URL --dev-eui EUI (--file FILE | --dev-addr A --nwk-skey K --app-skey K ...)
                                   hand a network-server session to the gateways (--remove withdraws)
  fleet keygen --out FILE [--sign] gateway key for sealed device keys (--sign: hub signing key)

Options
  -h, --help                       this help
`;

type Handler = (args: string[]) => Promise<number | void>;

const COMMANDS: Record<string, () => Promise<Handler>> = {
  run: async () => (await import('./tools/run.js')).runCommand,
  'check-config': async () => (await import('./tools/config.js')).checkConfigCommand,
  'print-config': async () => (await import('./tools/config.js')).printConfigCommand,
  frame: async () => (await import('./tools/frame.js')).frameCommand,
  simulate: async () => (await import('./tools/simulate.js')).simulateCommand,
  outbox: async () => (await import('./tools/outbox.js')).outboxCommand,
  'hub-tail': async () => (await import('./tools/hub-tail.js')).hubTailCommand,
  hub: async () => (await import('./tools/hub.js')).hubCommand,
  status: async () => (await import('./tools/status.js')).statusCommand,
  decode: async () => (await import('./tools/decode.js')).decodeCommand,
  profiles: async () => (await import('./tools/profiles.js')).profilesCommand,
  fleet: async () => (await import('./tools/fleet.js')).fleetCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`lora-edge: unknown command "${command}" (see lora-edge --help)\n`);
    return 2;
  }
  try {
    const handler = await load();
    return (await handler(rest)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lora-edge ${command}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Error && err.name === 'ConfigError') {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    process.stderr.write(`lora-edge ${command}: ${(err as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
