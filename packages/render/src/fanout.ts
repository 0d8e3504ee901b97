/**
 * How many bytes a job start reads from the asset store when N nodes need the same blobs, under
 * three ways of fetching: every node from the store (naive); the store serving at most `k` at once
 * with the rest queued (bytes unchanged, peak load bounded); and a fan-out tree where the store
 * serves the first `k` nodes and every node that holds a blob serves up to `f` others. Pure
 * arithmetic over rounds, for the bench: no clock, no randomness.
 */
export interface FanoutInput {
  nodes: number;
  /** Sizes of the distinct blobs every node needs. */
  blobBytes: readonly number[];
  /** Concurrent transfers the store serves. */
  storeSlots: number;
  /** Transfers a node that holds the blob serves at once (tree only). */
  fanout: number;
}

export interface FanoutFigures {
  nodes: number;
  jobBytes: number;
  naive: { storeBytes: number; peakStoreTransfers: number; rounds: number };
  storeLimited: { storeBytes: number; peakStoreTransfers: number; rounds: number };
  tree: { storeBytes: number; peerBytes: number; peakStoreTransfers: number; rounds: number };
}

export function fanoutFigures(x: FanoutInput): FanoutFigures {
  if (x.nodes < 1 || x.storeSlots < 1 || x.fanout < 1) throw new RangeError('nodes, storeSlots and fanout must be at least 1');
  const jobBytes = x.blobBytes.reduce((s, b) => s + b, 0);
  // Rounds of one whole-job transfer each: a node that finished a round serves in the next one.
  let have = 0;
  let rounds = 0;
  let fromStore = 0;
  while (have < x.nodes) {
    const store = Math.min(x.storeSlots, x.nodes - have);
    const peers = Math.min(have * x.fanout, x.nodes - have - store);
    fromStore += store;
    have += store + peers;
    rounds++;
  }
  return {
    nodes: x.nodes,
    jobBytes,
    naive: { storeBytes: x.nodes * jobBytes, peakStoreTransfers: x.nodes, rounds: 1 },
    storeLimited: { storeBytes: x.nodes * jobBytes, peakStoreTransfers: Math.min(x.nodes, x.storeSlots), rounds: Math.ceil(x.nodes / x.storeSlots) },
    tree: { storeBytes: fromStore * jobBytes, peerBytes: (x.nodes - fromStore) * jobBytes, peakStoreTransfers: Math.min(x.nodes, x.storeSlots), rounds },
  };
}
