"""PyTorch side of `npm run bench:train`: trains LeNet-5 one epoch on the samples bench/train.ts exported.

Reads DIR/x.f32 (N*784 float32, pixels 0..1) and DIR/y.i32 (N int32 labels); prints one JSON line:
{"torch": version, "threads": T, "runs": [{"seconds": s, "loss": l}, ...]}.
The model, optimiser and batch size match bench/workload_*.ts: conv 6@5x5 'same' -> relu -> maxpool 2 ->
conv 16@5x5 valid -> relu -> maxpool 2 -> dense 120 relu -> dense 84 relu -> dense 10; SGD lr 0.01,
momentum 0.9, weight decay 5e-4; cross-entropy; a fresh model and a fresh shuffle every run.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def epoch(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> dict:
    torch.manual_seed(seed)
    model = lenet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    order = torch.randperm(x.shape[0])
    loss_sum = 0.0
    for i in range(0, x.shape[0], batch_size):
        idx = order[i:i + batch_size]
        xb, yb = x[idx], y[idx]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
    return {"seconds": time.perf_counter() - start, "loss": loss_sum / x.shape[0]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup-batches", type=int, default=20)
    p.add_argument("--seed", type=int, default=1, help="seed of the first run; run r uses seed + r")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.from_numpy(np.fromfile(os.path.join(a.dir, "x.f32"), dtype=np.float32)).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(np.fromfile(os.path.join(a.dir, "y.i32"), dtype=np.int32).astype(np.int64))
    if x.shape[0] != y.shape[0]:
        raise SystemExit(f"x holds {x.shape[0]} samples but y {y.shape[0]}")
    # Warm-up (allocator, kernel selection), not timed — the edgepro side warms up the same way.
    epoch(x[: a.warmup_batches * a.batch_size], y[: a.warmup_batches * a.batch_size], a.batch_size, 0)
    runs = [epoch(x, y, a.batch_size, a.seed + r) for r in range(a.runs)]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "runs": runs}))


if __name__ == "__main__":
    main()
