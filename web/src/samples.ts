/** The held-out MNIST test digits the fixture script exports (`samples.json`): pixels as base64 bytes, labels. */

export interface Sample {
  label: number;
  /** 784 values in 0..1. */
  pixels: Float32Array;
}

function decodePixels(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (bytes.length !== 784) throw new Error(`a sample digit has ${bytes.length} pixels, not 784`);
  return Float32Array.from(bytes, (b) => b / 255);
}

export async function loadSamples(url: URL): Promise<Sample[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${response.status}`);
  const doc = (await response.json()) as { samples: { label: number; pixels: string }[] };
  return doc.samples.map((s) => ({ label: s.label, pixels: decodePixels(s.pixels) }));
}

/** Paints a 28 x 28 input (0..1, white ink on black) into a canvas of that size. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const image = context.createImageData(28, 28);
  pixels.forEach((v, i) => {
    const level = Math.round(v * 255);
    image.data.set([level, level, level, 255], i * 4);
  });
  context.putImageData(image, 0, 0);
}
