// The door a radio source asks before it spends any work on a frame. While the daemon cannot take
// more (the outbox falls behind), the door is closed: the source turns frames away before parsing or
// decoding them and tells the door how many, so memory stays bounded under overload and every
// refusal is counted where it happens instead of as a late drop far from the cause.

export interface FrameDoor {
  /** False while frames must be refused; cheap, asked for every datagram or frame. */
  readonly open: boolean;
  /** Counts frames a source turned away at the closed door. */
  refused(source: string, frames: number): void;
}

/** No back-pressure: every frame is taken (tools, tests, sources built without a door). */
export const ALWAYS_OPEN: FrameDoor = { open: true, refused: () => undefined };
