// One error type for everything the LoRaWAN module rejects, so callers can branch on `code`
// and log `message` without knowing which helper failed.

export type LoRaWANErrorCode =
  | 'bad_input' // not a byte array / not a string where one is required
  | 'too_short' // fewer bytes than the smallest frame of that kind
  | 'bad_length' // a fixed-size frame or field with the wrong size
  | 'too_long' // a built frame would exceed the 255-byte LoRa PHY limit
  | 'bad_major' // MHDR major version is not LoRaWAN R1 (0)
  | 'fopts_overrun' // FOptsLen points past the end of the frame
  | 'fport0_with_fopts' // FPort 0 carries MAC commands, so FOpts must be empty
  | 'wrong_mtype' // a frame of another message type was passed to a type-specific function
  | 'bad_key' // a key that is not 16 bytes / 32 hex digits
  | 'missing_key' // an operation needs a key that was not given
  | 'bad_fcnt' // frame counter outside 0..2^32-1, or not matching the 16 bits on air
  | 'bad_field' // a builder field outside its range
  | 'bad_encoding'; // text that is neither hex nor base64

export class LoRaWANError extends Error {
  readonly code: LoRaWANErrorCode;

  constructor(code: LoRaWANErrorCode, message: string) {
    super(message);
    this.name = 'LoRaWANError';
    this.code = code;
  }
}
