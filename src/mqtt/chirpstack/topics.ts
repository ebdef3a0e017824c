// Every MQTT topic lora-edge uses, in one place. ChirpStack's own messages keep the ChirpStack v4
// gateway layout, <prefix>/gateway/<gatewayId>/{event,state,command}/<name>; the hub's messages
// (batches, device acks) live in their own sub-tree, <prefix>/gateway/<gatewayId>/hub/<name>, so that
// a ChirpStack server subscribed to `event/+` sees only up, stats and ack. An empty prefix drops the
// leading level. `legacyHubTopics` puts the hub's messages back under `event/` (docs/hub/README.md).

/** ChirpStack's event types: nothing else is ever published under `event/`. */
export type EventName = 'up' | 'stats' | 'ack';
/** The hub's own messages: batches and device acks from the gateway, `ack` from the hub (batch.hubAck). */
export type HubName = 'batch' | 'device-ack' | 'ack';
export type StateName = 'conn';
export type CommandName = 'down' | 'config' | 'device';
/** A gateway's fleet topics (docs/fleet.md): the hub's bundle for it, and the state it reports. */
export type GatewayFleetName = 'bundle' | 'state';

/** The sub-tree of a gateway's topics that carries the hub's messages. */
export const HUB_LEVEL = 'hub';

export interface TopicOptions {
  /** Publish batches and device acks on `event/batch` and `event/device-ack`, as before issue 14. */
  legacyHubTopics?: boolean;
}

function gatewayBase(prefix: string, gatewayId: string): string {
  return `${prefix ? `${prefix}/` : ''}gateway/${gatewayId}`;
}

function hubLevel(opts: TopicOptions): string {
  return opts.legacyHubTopics ? 'event' : HUB_LEVEL;
}

export class Topics {
  private readonly base: string;

  constructor(
    readonly prefix: string,
    readonly gatewayId: string,
    private readonly opts: TopicOptions = {},
  ) {
    this.base = gatewayBase(prefix, gatewayId);
  }

  event(name: EventName): string {
    return `${this.base}/event/${name}`;
  }

  /** Where the hub's messages go: `hub/<name>` (or `event/<name>` with legacyHubTopics). */
  hub(name: HubName): string {
    // The hub's acknowledgements are new: they never lived under event/ (where `ack` is ChirpStack's).
    return `${this.base}/${name === 'ack' ? HUB_LEVEL : hubLevel(this.opts)}/${name}`;
  }

  state(name: StateName): string {
    return `${this.base}/state/${name}`;
  }

  command(name: CommandName): string {
    return `${this.base}/command/${name}`;
  }

  /** `<prefix>/gateway/<id>/fleet/bundle` (retained, from the hub) or `.../fleet/state` (retained, ours). */
  fleet(name: GatewayFleetName): string {
    return `${this.base}/fleet/${name}`;
  }

  /** Session updates addressed to this gateway only: `<prefix>/gateway/<id>/fleet/session/<devEui>`. */
  fleetSessionFilter(): string {
    return `${this.base}/fleet/session/+`;
  }

  /** Subscription filter for every command addressed to this gateway. */
  commandFilter(): string {
    return `${this.base}/command/+`;
  }

  /** The command name when `topic` is one of this gateway's command topics. */
  parseCommand(topic: string): string | undefined {
    const head = `${this.base}/command/`;
    return topic.startsWith(head) ? topic.slice(head.length) : undefined;
  }
}

/** Hub-side filter for one of the hub's messages of one gateway or all gateways (`+`). */
export function hubFilter(prefix: string, name: HubName, gatewayId = '+', opts: TopicOptions = {}): string {
  return `${gatewayBase(prefix, gatewayId)}/${hubLevel(opts)}/${name}`;
}

/** Hub-side filter for the batches of one gateway or all gateways (`+`). */
export function batchFilter(prefix: string, gatewayId = '+', opts: TopicOptions = {}): string {
  return hubFilter(prefix, 'batch', gatewayId, opts);
}

/** Hub-side filter for the device acks of one gateway or all gateways (`+`). */
export function deviceAckFilter(prefix: string, gatewayId = '+', opts: TopicOptions = {}): string {
  return hubFilter(prefix, 'device-ack', gatewayId, opts);
}

/** What a ChirpStack server subscribes to: every event of every gateway under the prefix. */
export function chirpstackEventFilter(prefix: string): string {
  return `${gatewayBase(prefix, '+')}/event/+`;
}

function prefixed(prefix: string, rest: string): string {
  return `${prefix ? `${prefix}/` : ''}${rest}`;
}

/** The fleet-wide bundle, retained: `<prefix>/fleet/bundle`. */
export function fleetBundleTopic(prefix: string): string {
  return prefixed(prefix, 'fleet/bundle');
}

/** One device's handed-over session, retained: `<prefix>/fleet/session/<devEui>`. */
export function fleetSessionTopic(prefix: string, devEui: string, gatewayId?: string): string {
  return gatewayId ? `${gatewayBase(prefix, gatewayId)}/fleet/session/${devEui}` : prefixed(prefix, `fleet/session/${devEui}`);
}

/** Every fleet-wide session update. */
export function fleetSessionFilter(prefix: string): string {
  return prefixed(prefix, 'fleet/session/+');
}

/** One gateway's fleet topic, or every gateway's (`+`), hub side. */
export function gatewayFleetTopic(prefix: string, name: GatewayFleetName, gatewayId = '+'): string {
  return `${gatewayBase(prefix, gatewayId)}/fleet/${name}`;
}

/** The DevEUI at the end of a session topic. */
export function sessionTopicDevEui(topic: string): string {
  return topic.slice(topic.lastIndexOf('/') + 1);
}

/** The gateway id in `<prefix>/gateway/<id>/<level>/<name>` (a batch, say), or null. */
export function gatewayIdOfTopic(topic: string): string | null {
  const levels = topic.split('/');
  const i = levels.lastIndexOf('gateway', levels.length - 3);
  return i >= 0 && levels.length === i + 4 ? levels[i + 1] : null;
}
