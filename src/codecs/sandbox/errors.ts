// Typed errors and failure reasons of the user-codec sandbox.

export type CodecLoadFailure =
  | 'not-found'
  | 'unreadable'
  | 'too-large'
  | 'syntax'
  | 'no-entry-point'
  | 'top-level-error'
  | 'engine';

/** Thrown by loadUserCodec when a codec file cannot be used; `message` is meant for field staff. */
export class CodecLoadError extends Error {
  override readonly name = 'CodecLoadError';
  readonly reason: CodecLoadFailure;
  /** 1-based line of a syntax error, when QuickJS reports one. */
  readonly line?: number;

  constructor(reason: CodecLoadFailure, message: string, line?: number) {
    super(message);
    this.reason = reason;
    if (line !== undefined) this.line = line;
  }
}

/** Why one codec call failed (as opposed to the codec reporting `errors` itself). */
export type CodecFailureReason =
  | 'timeout'
  | 'memory'
  | 'stack'
  | 'exception'
  | 'invalid-output'
  | 'output-too-large'
  | 'engine';

export const CODEC_FAILURE_REASONS: readonly CodecFailureReason[] = [
  'timeout',
  'memory',
  'stack',
  'exception',
  'invalid-output',
  'output-too-large',
  'engine',
];

export interface CodecFailure {
  reason: CodecFailureReason;
  message: string;
}

export function isCodecFailureReason(value: unknown): value is CodecFailureReason {
  return typeof value === 'string' && (CODEC_FAILURE_REASONS as readonly string[]).includes(value);
}
