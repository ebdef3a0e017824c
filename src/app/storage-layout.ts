// What lives under storage.dir: the outbox and the devices' frame counters, each its own LevelDB.
import { join } from 'node:path';

export const outboxDir = (storageDir: string): string => join(storageDir, 'outbox');
export const deviceStateDir = (storageDir: string): string => join(storageDir, 'device-state');
