/**
 * The demo page: a protected LeNet-5 on TF.js's WebAssembly backend. It starts locked (what a thief's copy does),
 * and unlocks with the credentials the user loads; predictions come from the drawing pad or held-out test digits.
 */
import { describeError, loadLocked, readCredentials, unlock, type Device, type UnlockTiming } from './device.js';
import { createPad } from './pad.js';
import { toMnistInput } from './preprocess.js';
import { loadSamples, paintDigit, type Sample } from './samples.js';

const base = new URL(import.meta.env.BASE_URL, document.baseURI);

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`page is missing #${id}`);
  return found as T;
}

const state = element<HTMLParagraphElement>('model-state');
const form = element<HTMLFormElement>('unlock-form');
const unlockButton = element<HTMLButtonElement>('unlock');
const relockButton = element<HTMLButtonElement>('relock');
const errorBox = element<HTMLParagraphElement>('error');
const seen = element<HTMLCanvasElement>('seen');
const samplesList = element<HTMLUListElement>('samples');
const runAll = element<HTMLButtonElement>('run-all');
const batchResult = element<HTMLParagraphElement>('batch-result');
const predictionOut = element<HTMLOutputElement>('prediction');
const truth = element<HTMLSpanElement>('truth');
const bars = element<HTMLOListElement>('probabilities');

let device: Device | undefined;
let samples: Sample[] = [];
/** What is currently shown: a test digit (its index) or the drawing. */
let current: { pixels: Float32Array; sample?: number } | undefined;

// --- status and errors ---

function setState(kind: 'loading' | 'locked' | 'unlocking' | 'unlocked' | 'failed', text: string): void {
  state.dataset.state = kind;
  state.textContent = text;
}

function showError(message: string | undefined): void {
  errorBox.hidden = message === undefined;
  errorBox.textContent = message ?? '';
}

function lockedText(): string {
  return 'Locked: no licence. The model runs, but its answers are what a thief would get: noise.';
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)}\u00a0ms`;
}

function unlockedText(timing: UnlockTiming, byPassphrase: boolean): string {
  const opened = byPassphrase ? 'licence opened (scrypt on the passphrase, signature checked)' : 'licence opened (X25519 device key, signature checked)';
  return `Unlocked in ${ms(timing.total)}: ${opened} ${ms(timing.licence)}, password decrypted ${ms(timing.container)}, folded into the weights ${ms(timing.fold)}. The model now answers correctly.`;
}

// --- prediction ---

function renderBars(probabilities: Float32Array, top: number): void {
  bars.replaceChildren(
    ...Array.from(probabilities, (p, k) => {
      const item = document.createElement('li');
      item.dataset.class = String(k);
      item.className = k === top ? 'top' : '';
      const label = document.createElement('span');
      label.textContent = String(k);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      bar.append(fill);
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = `${(p * 100).toFixed(1)}%`;
      item.append(label, bar, value);
      return item;
    }),
  );
}

function predictCurrent(): void {
  if (device === undefined || current === undefined) return;
  const { classes, probabilities } = device.model.predict(current.pixels);
  const top = classes[0]!;
  predictionOut.value = String(top);
  predictionOut.dataset.class = String(top);
  renderBars(probabilities, top);
  paintDigit(seen, current.pixels);
  if (current.sample === undefined) {
    truth.className = '';
    truth.textContent = 'your drawing';
  } else {
    const label = samples[current.sample]!.label;
    truth.className = top === label ? 'right' : 'wrong';
    truth.textContent = `labelled ${label}: ${top === label ? 'right' : 'wrong'}`;
  }
}

function clearPrediction(): void {
  current = undefined;
  predictionOut.value = '–';
  predictionOut.dataset.class = '';
  truth.textContent = '';
  bars.replaceChildren();
}

// --- inputs ---

const pad = createPad(element<HTMLCanvasElement>('pad'), () => {
  const pixels = toMnistInput(pad.ink(), 280, 280);
  if (pixels === undefined) return;
  selectSample(undefined);
  current = { pixels };
  predictCurrent();
});

element<HTMLButtonElement>('clear').addEventListener('click', () => {
  pad.clear();
  selectSample(undefined);
  paintDigit(seen, new Float32Array(784));
  clearPrediction();
});

function selectSample(index: number | undefined): void {
  for (const button of samplesList.querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.index === String(index)));
}

function renderSamples(): void {
  samplesList.replaceChildren(
    ...samples.map((sample, i) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sample';
      button.dataset.index = String(i);
      button.dataset.label = String(sample.label);
      button.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-label', `Test digit ${i + 1}, labelled ${sample.label}`);
      const thumb = document.createElement('canvas');
      thumb.width = 28;
      thumb.height = 28;
      paintDigit(thumb, sample.pixels);
      button.append(thumb);
      button.addEventListener('click', () => {
        selectSample(i);
        pad.show(thumb);
        current = { pixels: sample.pixels, sample: i };
        predictCurrent();
      });
      item.append(button);
      return item;
    }),
  );
}

/** Runs every test digit in one batch and marks each thumbnail right or wrong. */
function runAllSamples(): void {
  if (device === undefined || samples.length === 0) return;
  const input = new Float32Array(samples.length * 784);
  samples.forEach((s, i) => input.set(s.pixels, i * 784));
  const { classes } = device.model.predict(input, samples.length);
  let right = 0;
  samples.forEach((sample, i) => {
    const button = samplesList.querySelector<HTMLButtonElement>(`button[data-index="${i}"]`)!;
    const ok = classes[i] === sample.label;
    if (ok) right++;
    button.dataset.predicted = String(classes[i]);
    button.querySelector('.mark')?.remove();
    const mark = document.createElement('span');
    mark.className = `mark ${ok ? 'right' : 'wrong'}`;
    mark.textContent = String(classes[i]);
    mark.setAttribute('aria-label', `predicted ${classes[i]}, ${ok ? 'right' : 'wrong'}`);
    button.append(mark);
  });
  batchResult.dataset.correct = String(right);
  batchResult.dataset.total = String(samples.length);
  batchResult.textContent = `${device.model.isUnlocked ? 'Unlocked' : 'Locked'}: ${right} of ${samples.length} test digits right (${Math.round((100 * right) / samples.length)}%).`;
}

runAll.addEventListener('click', runAllSamples);

// --- unlocking ---

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void (async () => {
    if (device === undefined) return;
    showError(undefined);
    unlockButton.disabled = true;
    const before = state.textContent ?? '';
    const beforeKind = (state.dataset.state ?? 'locked') as 'locked' | 'unlocked';
    try {
      const credentials = await readCredentials(form);
      if (typeof credentials === 'string') {
        showError(credentials);
        return;
      }
      setState('unlocking', 'Unlocking…');
      const timing = await unlock(device, credentials);
      setState('unlocked', unlockedText(timing, 'passphrase' in credentials));
      state.dataset.unlockMs = timing.total.toFixed(3);
      state.dataset.licenceMs = timing.licence.toFixed(3);
      state.dataset.containerMs = timing.container.toFixed(3);
      state.dataset.foldMs = timing.fold.toFixed(3);
      relockButton.hidden = false;
      predictCurrent();
      if (batchResult.textContent !== '') runAllSamples();
    } catch (error) {
      setState(beforeKind, before);
      showError(describeError(error));
    } finally {
      unlockButton.disabled = false;
    }
  })();
});

relockButton.addEventListener('click', () => {
  void start();
});

// --- start ---

async function start(): Promise<void> {
  unlockButton.disabled = true;
  runAll.disabled = true;
  relockButton.hidden = true;
  showError(undefined);
  setState('loading', 'Loading the model…');
  try {
    const [loaded, digits] = await Promise.all([loadLocked(base, new URL('wasm/', base)), samples.length > 0 ? samples : loadSamples(new URL('samples.json', base))]);
    device?.model.dispose();
    device = loaded;
    if (samples.length === 0) {
      samples = digits;
      renderSamples();
    }
    setState('locked', lockedText());
    unlockButton.disabled = false;
    runAll.disabled = false;
    predictCurrent();
    if (batchResult.textContent !== '') runAllSamples();
  } catch (error) {
    setState('failed', 'The model could not be loaded.');
    showError(describeError(error));
  }
}

void start();
