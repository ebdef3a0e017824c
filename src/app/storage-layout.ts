// What lives under storage.dir: the outbox, the devices' frame counters and the edge-mode state
// (sessions, DevNonces, command queues), each its own LevelDB; the fleet's last applied bundles and
// handed-over sessions (files written atomically).
import { join } from 'node:path';

export const outboxDir = (storageDir: string): string => join(storageDir, 'outbox');
export const deviceStateDir = (storageDir: string): string => join(storageDir, 'device-state');
export const edgeStateDir = (storageDir: string): string => join(storageDir, 'edge');
export const dutyCycleStatePath = (storageDir: string): string => join(storageDir, 'duty-cycle.json');
export const fleetDir = (storageDir: string): string => join(storageDir, 'fleet');
