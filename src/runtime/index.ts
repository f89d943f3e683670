/**
 * `edgepro/runtime`: what a device needs — load a protected model, unlock it, predict. No training, no attacks,
 * nothing Node-only, so a browser bundle stays small.
 */
export { loadProtectedModel, ProtectedModel, type LoadOptions, type ModelSource, type Prediction } from './session.js';
export { initEngine, type EngineOptions } from '../engine/index.js';
export { decodePassword, validatePassword, type Password, type LockPointKey } from '../lock/password.js';
export { EdgeProError, InputShapeError, InvalidPasswordError, ModelFormatError, EngineError } from '../util/errors.js';
