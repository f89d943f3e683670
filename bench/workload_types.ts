/** What each edgepro workload provides to bench/train.ts. */
export interface BenchSamples {
  /** `count * 784` pixels in 0..1, row-major 28 x 28 x 1 images. */
  x: Float32Array;
  /** `count` labels in 0..9. */
  y: Int32Array;
}

export interface EpochOptions {
  batchSize: number;
  /** Seed of the weight initialisation and the shuffle. */
  seed: number;
}

export interface Workload {
  /** `count` MNIST samples, a seeded random choice among the embedded 10,000. */
  loadSamples(count: number, seed: number): BenchSamples;
  /**
   * Builds a fresh LeNet-5 and trains it one epoch (SGD lr 0.01, momentum 0.9, weight decay 5e-4, cross-entropy)
   * on `samples`; returns the seconds the epoch took (model building excluded) and the final mean loss.
   */
  trainOneEpoch(samples: BenchSamples, options: EpochOptions): { seconds: number; loss: number };
}
