/**
 * The edgepro side of the training benchmark. This one line picks the implementation: `workload_project.js` trains
 * with edgepro's own modules (src/data, src/models, src/train); `workload_standin.js` is a self-contained stand-in
 * (the `mnist` package, a tfjs-layers LeNet-5, a minimal SGD loop) for when those modules are broken or absent.
 */
export * from './workload_project.js';
