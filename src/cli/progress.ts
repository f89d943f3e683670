import cliProgress from 'cli-progress';
import type { TrainEvent } from '../train/events.js';
import type { Output } from './output.js';

/**
 * A progress bar (with ETA) for a training run, on stderr, only when stderr is a TTY and not --quiet;
 * otherwise one line per epoch, or nothing with --quiet.
 */
export function trainingProgress(out: Output, label: string): { onEvent: (e: TrainEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let perEpoch = 1;
  const onEvent = (e: TrainEvent): void => {
    if (e.type === 'start') {
      perEpoch = e.batchesPerEpoch;
      if (out.isTTY) {
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% | epoch {epoch}/{epochs} | loss {loss} | ETA {eta_formatted}`, hideCursor: true, stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(1, e.epochs * e.batchesPerEpoch), 0, { epoch: 1, epochs: e.epochs, loss: '-' });
      }
    } else if (e.type === 'batch') {
      bar?.update(e.epoch * perEpoch + e.batch + 1, { epoch: e.epoch + 1, loss: e.loss.toFixed(4) });
    } else if (e.type === 'epoch') {
      if (!bar) {
        const metrics = Object.entries(e.metrics).map(([k, v]) => ` ${k} ${(v * 100).toFixed(2)}%`).join('');
        out.note(`${label}: epoch ${e.epoch + 1}/${e.epochs} loss ${e.loss.toFixed(4)}${metrics} (${e.seconds.toFixed(1)} s)`);
      }
    } else if (e.type === 'end') {
      bar?.stop();
      bar = undefined;
    }
  };
  return { onEvent, stop: () => bar?.stop() };
}

/**
 * A progress bar (with ETA) for a long loop of `total` steps (evaluation trials, attack queries), on the same terms
 * as {@link trainingProgress}: a bar on a TTY, a line at every tenth otherwise, nothing with --quiet.
 */
export function countProgress(out: Output, label: string, total: number): { tick: (done: number) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  if (out.isTTY && total > 0) {
    bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted}`, hideCursor: true, stream: process.stderr, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
  }
  let lastTenth = 0;
  const tick = (done: number): void => {
    if (bar) {
      bar.update(done);
      if (done >= total) {
        bar.stop();
        bar = undefined;
      }
      return;
    }
    const tenth = Math.floor((done * 10) / Math.max(1, total));
    if (tenth > lastTenth) {
      lastTenth = tenth;
      out.note(`${label}: ${done}/${total}`);
    }
  };
  return { tick, stop: () => bar?.stop() };
}
