/**
 * A protected model as a TF.js `IOHandler`, for an app that already loads its models with `tf.loadLayersModel` or
 * `tf.loadGraphModel`: `load()` reads the bundle, opens the licence, unseals the weights and folds the password in,
 * and hands TF.js the unlocked model's artifacts. Nothing is written anywhere; the decrypted weights live only in the
 * artifacts TF.js builds its tensors from.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unlockModel } from '../lock/fold.js';
import { registerLockLayers } from '../lock/lock_layer.js';
import type { LockableModel } from '../models/types.js';
import { ModelFormatError } from '../util/errors.js';
import type { Credentials } from './credentials.js';
import { openProtectedModel, type LoadOptions, type ModelSource } from './session.js';

/** The unlocked model's artifacts, as a LayersModel saves them. */
async function artifactsOf(model: import('@tensorflow/tfjs-layers').LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts === undefined) throw new ModelFormatError('the unlocked model could not be serialised');
  return artifacts;
}

/**
 * An `IOHandler` that opens a protected bundle with its credentials, for `tf.loadLayersModel(handler)` (a layers
 * model: sealed, locked, or both) or `tf.loadGraphModel(handler)` (a sealed graph model). The model is built on the
 * backend the app set. Each `load()` opens the bundle afresh; licence checks (signature, expiry, device, clock)
 * run then — the model TF.js returns is a plain model, so an app that must stop at expiry checks
 * `inspectLicence(licence).expiresAt` itself, or uses {@link loadProtectedModel}, whose `predict` refuses.
 * Lock layers that stay in an unlocked graph (`EdgeProFixedLock`, where a lock cannot be folded) are registered
 * with TF.js's serialisation before the artifacts are returned, so plain `tf.loadLayersModel` builds them.
 * Failures are the typed errors of {@link loadProtectedModel}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { protectedModelHandler, urlSource } from 'edgepro/runtime';
 *
 * await tf.setBackend('webgl');
 * const model = await tf.loadLayersModel(protectedModelHandler(urlSource('/models/lenet5/'), { licence, passphrase, vendorKey }));
 * const probabilities = model.predict(x) as tf.Tensor;
 * ```
 */
export function protectedModelHandler(source: ModelSource, credentials?: Credentials, options: LoadOptions = {}): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      // A graph model is not built here: its artifacts, weights decrypted, go to tf.loadGraphModel as they are.
      const { model, password, bundle, classNames } = await openProtectedModel(source, credentials, options, 'artifacts');
      if (!('lockPoints' in model)) return model as tf.io.ModelArtifacts;
      const lockable: LockableModel = model;
      let unlocked: import('@tensorflow/tfjs-layers').LayersModel | undefined;
      try {
        if (bundle.container !== undefined && password === undefined && credentials !== undefined) {
          throw new ModelFormatError(`${bundle.name}: the credentials gave no password for its lock`);
        }
        if (password !== undefined) {
          registerLockLayers();
          unlocked = unlockModel(lockable, password).model;
        }
        const artifacts = await artifactsOf(unlocked ?? lockable.model);
        const edgepro = { architecture: lockable.architecture, ...(classNames !== undefined ? { classNames } : {}) };
        return { ...artifacts, format: 'layers-model', convertedBy: 'edgepro', userDefinedMetadata: { edgepro } };
      } finally {
        unlocked?.dispose();
        lockable.model.dispose();
      }
    },
  };
}
