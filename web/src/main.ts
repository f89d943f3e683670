/**
 * The demo page: a protected LeNet-5 on TF.js's WebAssembly backend, at the level the user picks. Sealed (the
 * default), nothing runs until a licence opens it; with the lock alone it loads locked and answers what a thief's copy
 * does. Predictions come from the drawing pad or held-out test digits.
 */
import type { LoadTimings, UnlockTimings } from 'edgepro/runtime';
import { BUNDLES, closeDevice, demoFiles, describeError, openWithLicence, readCredentials, startDevice, type BundleChoice, type Device, type Opened, type ShownError } from './device.js';
import { createPad } from './pad.js';
import { toMnistInput } from './preprocess.js';
import { loadSamples, paintDigit, type Sample } from './samples.js';

const base = new URL(import.meta.env.BASE_URL, document.baseURI);

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`page is missing #${id}`);
  return found as T;
}

const choice = element<HTMLFieldSetElement>('bundle-choice');
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

let bundle: BundleChoice = BUNDLES[0]!;
let device: Device | undefined;
let samples: Sample[] = [];
/** What is currently shown: a test digit (its index) or the drawing. */
let current: { pixels: Float32Array; sample?: number } | undefined;

// --- status and errors ---

type StateKind = 'loading' | 'sealed' | 'locked' | 'unlocking' | 'unlocked' | 'failed';

/** Shows the model's state; the runtime's timings of the step that led there ride along as data for tests. */
function setState(kind: StateKind, text: string, timings?: { opened: 'load' | 'unlock'; values: LoadTimings | UnlockTimings }): void {
  state.dataset.state = kind;
  state.textContent = text;
  if (timings === undefined) {
    delete state.dataset.opened;
    delete state.dataset.timings;
  } else {
    state.dataset.opened = timings.opened;
    state.dataset.timings = JSON.stringify(timings.values);
  }
}

/** Shows a failure (or clears it): its sentence, and its code in `data-code` for scripts and tests. */
function showError(shown: ShownError | string | undefined): void {
  errorBox.hidden = shown === undefined;
  errorBox.textContent = typeof shown === 'string' ? shown : (shown?.message ?? '');
  if (typeof shown === 'object') errorBox.dataset.code = shown.code;
  else delete errorBox.dataset.code;
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)}\u00a0ms`;
}

const SEALED_TEXT = 'Sealed: nothing runs without a licence. The weights are encrypted; until a licence opens them this page holds the architecture only.';

function lockedText(loaded: LoadTimings | undefined): string {
  const took = loaded === undefined ? '' : ` (loaded in ${ms(loaded.total)})`;
  return `Locked: no licence. The model runs${took}, but its answers are what a thief would get: noise.`;
}

function openedText(opened: Opened, byPassphrase: boolean): string {
  const licence = byPassphrase ? 'licence opened (scrypt on the passphrase, signature checked)' : 'licence opened (X25519 device key, signature checked)';
  if (opened.kind === 'load') {
    const t = opened.timings;
    return `Unsealed and unlocked in ${ms(t.total)}: model read ${ms(t.read)}, ${licence} ${ms(t.licence)}, weights decrypted ${ms(t.unseal)}, model built ${ms(t.engine + t.build)}, password decrypted and folded in ${ms(t.unlock)}. The model now answers correctly.`;
  }
  const t = opened.timings;
  return `Unlocked in ${ms(t.total)}: ${licence} ${ms(t.licence)}, password decrypted ${ms(t.container)}, folded into the weights ${ms(t.fold)}. The model now answers correctly.`;
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

/** Counts requests, so that a slower earlier prediction never overwrites a later one. */
let predictions = 0;

function predictCurrent(): void {
  void showPrediction().catch((error: unknown) => showError(describeError(error)));
}

async function showPrediction(): Promise<void> {
  if (current === undefined) return;
  const shown = current;
  const request = ++predictions;
  const session = device?.session;
  if (session === undefined) {
    // Sealed (or still loading): the digit is shown, and nothing answers.
    paintDigit(seen, current.pixels);
    predictionOut.value = '–';
    predictionOut.dataset.class = '';
    bars.replaceChildren();
    truth.className = '';
    truth.textContent = bundle.sealed ? 'sealed: nothing runs without a licence' : '';
    return;
  }
  const { classes, probabilities } = await session.predict(shown.pixels);
  if (request !== predictions || current !== shown) return;
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
async function runAllSamples(): Promise<void> {
  const session = device?.session;
  if (session === undefined || samples.length === 0) return;
  const input = new Float32Array(samples.length * 784);
  samples.forEach((s, i) => input.set(s.pixels, i * 784));
  const { classes } = await session.predict(input, { count: samples.length });
  if (device?.session !== session) return;
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
  batchResult.textContent = `${session.isUnlocked ? 'Unlocked' : 'Locked'}: ${right} of ${samples.length} test digits right (${Math.round((100 * right) / samples.length)}%).`;
}

/** Forgets the marks of the last batch run (there is no model to mark them with). */
function clearBatch(text: string): void {
  for (const mark of samplesList.querySelectorAll('.mark')) mark.remove();
  for (const button of samplesList.querySelectorAll<HTMLButtonElement>('button')) delete button.dataset.predicted;
  delete batchResult.dataset.correct;
  delete batchResult.dataset.total;
  batchResult.textContent = text;
}

runAll.addEventListener('click', () => void runAllSamples().catch((error: unknown) => showError(describeError(error))));

// --- levels and licences ---

function renderChoice(): void {
  const legend = document.createElement('legend');
  legend.textContent = 'Protection level';
  choice.replaceChildren(
    legend,
    ...BUNDLES.map((b) => {
      const label = document.createElement('label');
      label.className = 'choice';
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = 'bundle';
      radio.value = b.id;
      radio.id = `bundle-${b.id}`;
      radio.checked = b.id === bundle.id;
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        bundle = b;
        // A licence opens one bundle: what was picked for the other level is cleared.
        form.reset();
        void start();
      });
      label.append(radio, ` ${b.label}`);
      return label;
    }),
  );
}

/** Points the help's links at the demo credentials of the chosen bundle. */
function linkDemoFiles(): void {
  const files = demoFiles(bundle);
  element<HTMLAnchorElement>('demo-licence').href = files.licence;
  element<HTMLAnchorElement>('demo-device-licence').href = files.deviceLicence;
  element<HTMLAnchorElement>('demo-device-key').href = files.deviceKey;
  element<HTMLElement>('demo-bundle').textContent = bundle.label;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void (async () => {
    if (device === undefined) return;
    showError(undefined);
    unlockButton.disabled = true;
    const before = { kind: (state.dataset.state ?? 'locked') as StateKind, text: state.textContent ?? '', opened: state.dataset.opened, timings: state.dataset.timings };
    try {
      const credentials = await readCredentials(form);
      if (typeof credentials === 'string') {
        showError(credentials);
        return;
      }
      setState('unlocking', bundle.sealed ? 'Opening the licence, decrypting the weights…' : 'Unlocking…');
      const opened = await openWithLicence(device, credentials);
      setState('unlocked', openedText(opened, 'passphrase' in credentials), { opened: opened.kind, values: opened.timings });
      relockButton.hidden = false;
      runAll.disabled = false;
      predictCurrent();
      if (batchResult.textContent !== '') await runAllSamples();
    } catch (error) {
      state.dataset.state = before.kind;
      state.textContent = before.text;
      if (before.opened !== undefined) state.dataset.opened = before.opened;
      if (before.timings !== undefined) state.dataset.timings = before.timings;
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

/** (Re)starts the device on the chosen bundle, without a licence. */
async function start(): Promise<void> {
  unlockButton.disabled = true;
  runAll.disabled = true;
  relockButton.hidden = true;
  for (const radio of choice.querySelectorAll('input')) radio.disabled = true;
  showError(undefined);
  linkDemoFiles();
  closeDevice(device);
  device = undefined;
  setState('loading', bundle.sealed ? 'Reading the bundle…' : 'Loading the model…');
  try {
    const [started, digits] = await Promise.all([startDevice(base, bundle), samples.length > 0 ? samples : loadSamples(new URL('samples.json', base))]);
    device = started;
    if (samples.length === 0) {
      samples = digits;
      renderSamples();
    }
    if (started.session === undefined) {
      setState('sealed', SEALED_TEXT);
      clearBatch(batchResult.textContent === '' ? '' : 'Sealed: no model to run the test digits on.');
    } else {
      setState('locked', lockedText(started.loaded), started.loaded === undefined ? undefined : { opened: 'load', values: started.loaded });
      runAll.disabled = false;
      if (batchResult.textContent !== '') await runAllSamples();
    }
    unlockButton.disabled = false;
    predictCurrent();
  } catch (error) {
    setState('failed', 'The model could not be loaded.');
    showError(describeError(error));
  } finally {
    for (const radio of choice.querySelectorAll('input')) radio.disabled = false;
  }
}

renderChoice();
void start();
