// A database URL to the right adapter: `sqlite:PATH` (or a path ending in .db/.sqlite) or
// `postgres://...` / `postgresql://...`. The adapters are imported only when chosen, so SQLite users
// never load pg and the other way round.
import type { OwnerMap } from './owner-map.js';
import type { HubStore } from './store.js';

export interface OpenStoreOptions {
  windowMs: number;
  owners: OwnerMap;
  onError?: (e: Error) => void;
}

export type DbTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function parseDbUrl(url: string): DbTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new Error('sqlite: needs a file path, e.g. sqlite:/var/lib/lora-edge-hub/hub.db');
    return { kind: 'sqlite', file };
  }
  throw new Error(`database URL must be sqlite:PATH or postgres://..., got "${url.slice(0, 80)}"`);
}

export async function openStore(url: string, opts: OpenStoreOptions): Promise<HubStore> {
  const target = parseDbUrl(url);
  if (target.kind === 'sqlite') return (await import('./sqlite-store.js')).openSqliteStore(target.file, opts);
  return (await import('./postgres-store.js')).openPostgresStore(target.url, opts);
}

/** The URL without its password, for logs. */
export function describeDbUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
