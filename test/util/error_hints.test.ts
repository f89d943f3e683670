import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EdgeProError } from '../../src/util/errors.js';
import { ERROR_HINTS, errorHint } from '../../src/util/error_hints.js';
import * as runtime from '../../src/runtime/index.js';

describe('the error table', () => {
  it('has a hint, for apps and for the CLI, for every code and for nothing else', () => {
    expect(Object.keys(ERROR_HINTS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(errorHint(code, 'app'), code).toMatch(/^[a-zA-Z]/);
      expect(errorHint(code, 'cli'), code).toMatch(/^[a-zA-Z]/);
      // Fragments, so that a caller can append them to a message.
      expect(errorHint(code, 'app').endsWith('.'), code).toBe(false);
    }
  });

  it("gives an unknown code ERR_UNEXPECTED's hint, and the app's wording unless asked for the CLI's", () => {
    expect(errorHint('ERR_NO_SUCH_CODE')).toBe(ERROR_HINTS.ERR_UNEXPECTED.hint);
    expect(errorHint('ERR_SEALED')).not.toMatch(/--/);
    expect(errorHint('ERR_SEALED', 'cli')).toMatch(/--key/);
  });

  it('every error class of the device API carries a code of the table', () => {
    const classes = Object.values(runtime).filter((v): v is new (message: string) => EdgeProError => typeof v === 'function' && v.prototype instanceof EdgeProError);
    expect(classes.length).toBeGreaterThan(8);
    for (const ErrorClass of classes) {
      const error = new ErrorClass('x');
      expect(ERROR_CODES, ErrorClass.name).toContain(error.code);
      expect(error.name).toBe(ErrorClass.name);
    }
  });
});
