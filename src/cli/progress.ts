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
