// `lora-edge frame <hex|base64>`: decode one LoRaWAN frame for a technician.
import { describeFrame, parseHexOrBase64 } from '../lorawan/index.js';
import { LoRaWANError } from '../lorawan/errors.js';
import { UsageError, parseCommandArgs, parseNumberOption } from '../command-args.js';

export async function frameCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      nwkskey: { type: 'string' },
      appskey: { type: 'string' },
      appkey: { type: 'string' },
      devnonce: { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('give exactly one frame, as hex or base64');
  try {
    const bytes = parseHexOrBase64(positionals[0]);
    // Decimal, or hex with a 0x prefix (as the join request's devNonce is printed).
    const devNonce =
      values.devnonce !== undefined && /^0x[0-9a-f]+$/i.test(values.devnonce)
        ? values.devnonce.slice(2)
        : parseNumberOption(values.devnonce, '--devnonce', { min: 0, integer: true });
    const description = describeFrame(bytes, {
      nwkSKey: values.nwkskey,
      appSKey: values.appskey,
      appKey: values.appkey,
      devNonce,
    });
    process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
    return 0;
  } catch (err) {
    // Malformed frames and keys are the user's input: one line, exit 2.
    if (err instanceof LoRaWANError || err instanceof RangeError || err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
}
