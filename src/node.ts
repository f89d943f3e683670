/**
 * `edgepro/node`: the Node adapters of the runtime — a bundle directory read as a source, and written atomically.
 */
export { directorySource, writeBundle, bundleDirectory, onnxFileReader } from './bundle/directory.js';
