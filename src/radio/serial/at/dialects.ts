// The AT dialects by driver name.
import type { AtDialect, AtDriverName } from './dialect.js';
import { loraE5 } from './lora-e5.js';
import { rak3172 } from './rak3172.js';
import { rn2483 } from './rn2483.js';

export const AT_DIALECTS: Readonly<Record<AtDriverName, AtDialect>> = {
  'lora-e5': loraE5,
  rak3172,
  rn2483,
};
