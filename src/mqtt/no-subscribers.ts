// MQTT 5 brokers answer a publish nobody is subscribed to with PUBACK reason 0x10 "no matching
// subscribers": the broker acknowledged it and dropped it. For the hub's batches that is not a
// delivery (a broker restarted without the hub's session, or a hub whose session expired), so the
// records must stay in the outbox until a subscriber is there again.

export const NO_MATCHING_SUBSCRIBERS = 0x10;

export class NoSubscribersError extends Error {
  constructor(readonly topic: string) {
    super(`the broker has no subscriber for ${topic} (PUBACK 0x10): the message was dropped, kept for later`);
    this.name = 'NoSubscribersError';
  }
}
