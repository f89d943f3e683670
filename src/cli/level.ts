/** The protection level of a locked bundle in words, with the share of the weights' bytes that ship sealed. */
export function describeLevel(sealedBytes: number, weightBytes: number): string {
  if (sealedBytes === 0) return 'lock alone (weights in the clear): a copied file runs at chance, but a thief with a few labels gets most of the model back (docs/PROTECTION.md)';
  const share = `${((100 * sealedBytes) / weightBytes).toFixed(1)}% of the weights' bytes`;
  return sealedBytes === weightBytes ? `lock + seal all (${share} sealed): a thief holds the architecture only` : `lock + partial seal (${share} sealed)`;
}
