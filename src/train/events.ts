/** Progress of a training run, reported through `onEvent`; nothing below cli/ prints. */
export type TrainEvent =
  | { type: 'start'; epochs: number; batchesPerEpoch: number }
  | { type: 'batch'; epoch: number; batch: number; batchesPerEpoch: number; loss: number }
  | { type: 'epoch'; epoch: number; epochs: number; loss: number; learningRate: number; seconds: number; metrics: Record<string, number> }
  | { type: 'end'; seconds: number };

export type TrainEventHandler = (event: TrainEvent) => void;
