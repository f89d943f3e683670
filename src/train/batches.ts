/** [0, 1, ..., n-1] split into consecutive batches (for evaluation, where order does not matter). */
export function sequentialBatches(n: number, batchSize: number): Int32Array[] {
  const all = new Int32Array(n).map((_, i) => i);
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) out.push(all.subarray(start, Math.min(n, start + batchSize)));
  return out;
}
