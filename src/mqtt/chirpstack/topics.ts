// Every MQTT topic lora-edge uses, in one place, in the ChirpStack v4 gateway layout (our own
// batch and device-ack events live in it too):
// <prefix>/gateway/<gatewayId>/{event,state,command}/<name>; an empty prefix drops the leading level.

export type EventName = 'up' | 'stats' | 'ack' | 'batch' | 'device-ack';
export type StateName = 'conn';
export type CommandName = 'down' | 'config' | 'device';

export class Topics {
  private readonly base: string;

  constructor(
    readonly prefix: string,
    readonly gatewayId: string,
  ) {
    this.base = `${prefix ? `${prefix}/` : ''}gateway/${gatewayId}`;
  }

  event(name: EventName): string {
    return `${this.base}/event/${name}`;
  }

  state(name: StateName): string {
    return `${this.base}/state/${name}`;
  }

  command(name: CommandName): string {
    return `${this.base}/command/${name}`;
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

/** Hub-side filter for the batches of one gateway or all gateways (`+`). */
export function batchFilter(prefix: string, gatewayId = '+'): string {
  return `${prefix ? `${prefix}/` : ''}gateway/${gatewayId}/event/batch`;
}
