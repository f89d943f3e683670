/**
 * Linear assignment (the Hungarian method, Kuhn-Munkres with potentials, O(n^3)) for the permutation-recovery bench.
 * Bench code: small square problems (at most a few hundred rows).
 */

/**
 * The permutation `p` (row i -> column p[i]) that minimises `sum_i cost[i][p[i]]` for a square cost matrix.
 * Throws on a non-square or non-finite matrix: a silent wrong assignment would be scored as the attack's result.
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  if (cost.some((row) => row.length !== n || row.some((v) => !Number.isFinite(v)))) throw new Error('hungarian: the cost matrix must be square and finite');
  // 1-based potentials u (rows), v (columns); match[j] = row assigned to column j; way[j] = previous column on the path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const match = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    match[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = match[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[match[j]!] = u[match[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (match[j0] !== 0);
    do {
      const j1 = way[j0]!;
      match[j0] = match[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const p = new Array<number>(n);
  for (let j = 1; j <= n; j++) p[match[j]! - 1] = j - 1;
  return p;
}

/** The largest-score assignment: `hungarian` of the negated scores. */
export function maxAssignment(score: readonly (readonly number[])[]): number[] {
  return hungarian(score.map((row) => row.map((v) => -v)));
}
