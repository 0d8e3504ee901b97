/** A link between two regions as the network stores it. */
export interface RegionLink {
  from: string;
  to: string;
  gbps: number;
  fenPerGB: number;
}

export interface Staging {
  fromRegion: string;
  toRegion: string;
  dataGB: number;
  /** Time to move the data over the link at its full bandwidth. */
  seconds: number;
  fen: number;
}

/**
 * Moving a job's data from its home region to where it runs: GB × 8 / Gbps seconds and the link's
 * price per GB. Same region: nothing to move. No link either way: the job cannot run there (null).
 */
export function stagingFor(links: readonly RegionLink[], fromRegion: string, toRegion: string, dataGB: number): Staging | null {
  if (fromRegion === toRegion || dataGB <= 0) return { fromRegion, toRegion, dataGB: 0, seconds: 0, fen: 0 };
  const link =
    links.find((l) => l.from === fromRegion && l.to === toRegion) ?? links.find((l) => l.from === toRegion && l.to === fromRegion);
  if (!link) return null;
  return { fromRegion, toRegion, dataGB, seconds: (dataGB * 8) / link.gbps, fen: Math.round(dataGB * link.fenPerGB) };
}
