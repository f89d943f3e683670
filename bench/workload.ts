/** The edgepro side of the training benchmark: training with edgepro's own modules (src/data, src/models, src/train). */
export * from './workload_project.js';
