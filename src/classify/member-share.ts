/**
 * From members to groups: a cluster carries an area when at least `minShare` of its members do.
 * Pure counting, shared by the catalog build, emerging clusters and the catalog's area prior.
 */

/** Share of the members carrying each area (areas no member carries are absent), keys sorted. */
export function areaShares(memberAreas: readonly (readonly string[])[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const areas of memberAreas) for (const area of new Set(areas)) counts.set(area, (counts.get(area) ?? 0) + 1);
  const out: Record<string, number> = {};
  for (const area of [...counts.keys()].sort()) out[area] = memberAreas.length > 0 ? counts.get(area)! / memberAreas.length : 0;
  return out;
}

/** Areas carried by at least minShare of the members, sorted; none for an empty group. */
export function areasByShare(memberAreas: readonly (readonly string[])[], minShare: number): string[] {
  if (memberAreas.length === 0) return [];
  return Object.entries(areaShares(memberAreas))
    .filter(([, share]) => share >= minShare)
    .map(([area]) => area);
}
