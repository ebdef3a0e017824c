// What a gateway reports, retained, on `<prefix>/gateway/<id>/fleet/state`: the bundles it applied
// (version, hash, when), the last one it refused with every reason, and its fleet counts. The hub's
// `lora-edge fleet status` reads these. Never carries key material.

export interface AppliedBundleState {
  version: string;
  sha256: string;
  createdAt: string;
  appliedAt: string;
  signedBy: string | null;
  sealed: boolean;
}

export interface RefusedBundleState {
  scope: 'fleet' | 'gateway';
  version: string | null;
  sha256: string | null;
  at: string;
  reasons: string[];
}

export interface FleetState {
  format: 'lora-edge-fleet-state';
  gatewayId: string;
  updatedAt: string;
  /** applied: the last bundle that arrived is in use; refused: it was not (see refused). */
  status: 'applied' | 'refused' | 'none';
  fleet: AppliedBundleState | null;
  gateway: AppliedBundleState | null;
  /** Devices from bundles in use, and those of them the local registry overrides. */
  devices: number;
  shadowedByLocal: number;
  sessions: number;
  refused: RefusedBundleState | null;
  refusedCount: number;
  sessionUpdatesRefused: number;
}

/** Parses a retained state (hub side); null when it is not one. */
export function parseFleetState(payload: Buffer): FleetState | null {
  try {
    const v = JSON.parse(payload.toString('utf8')) as FleetState;
    return v && v.format === 'lora-edge-fleet-state' && typeof v.gatewayId === 'string' ? v : null;
  } catch {
    return null;
  }
}
