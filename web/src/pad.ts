/** The drawing pad: white strokes on black, as MNIST digits are; pointer events cover mouse, pen and touch. */

export interface Pad {
  /** Ink per pixel (0..1), row-major, `width * height` values. */
  ink(): Float32Array;
  clear(): void;
  /** Shows an image (e.g. a picked test digit) scaled up on the pad. */
  show(source: HTMLCanvasElement): void;
}

export function createPad(canvas: HTMLCanvasElement, onStroke: () => void): Pad {
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  context.lineCap = 'round';
  context.lineJoin = 'round';
  let last: { x: number; y: number } | undefined;

  const at = (event: PointerEvent) => {
    const box = canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * canvas.width) / box.width, y: ((event.clientY - box.top) * canvas.height) / box.height };
  };
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    // A dot for a click without movement.
    context.fillStyle = '#fff';
    context.beginPath();
    context.arc(last.x, last.y, canvas.width / 26, 0, 2 * Math.PI);
    context.fill();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (last === undefined) return;
    const next = at(event);
    context.strokeStyle = '#fff';
    // MNIST strokes are 2-3 px of 28 after the digit is scaled to a 20 px box.
    context.lineWidth = canvas.width / 13;
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
  });
  const end = () => {
    if (last === undefined) return;
    last = undefined;
    onStroke();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    ink() {
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const ink = new Float32Array(canvas.width * canvas.height);
      for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4]! / 255;
      return ink;
    },
    clear,
    show(source) {
      context.imageSmoothingEnabled = false;
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
    },
  };
}
