import { expect, test } from '@playwright/test';
import { autoReset } from './pins.ts';

test('the auto-reset circuit: RTS alone resets, DTR alone straps GPIO0, both cancel out', () => {
  expect(autoReset(false, false)).toEqual({ en: true, gpio0: true });
  expect(autoReset(false, true)).toEqual({ en: false, gpio0: true });
  expect(autoReset(true, false)).toEqual({ en: true, gpio0: false });
  expect(autoReset(true, true)).toEqual({ en: true, gpio0: true });
});
