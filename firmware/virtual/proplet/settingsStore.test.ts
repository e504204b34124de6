import { expect, test } from '@playwright/test';
import { STORAGE_OFFSET, SettingsStore } from './settingsStore.ts';
import { TestChip } from './testChip.ts';
import { propletApp } from './index.ts';

test('settings survive a new store over the same flash, and an erased partition reads empty', () => {
  const chip = new TestChip(propletApp);
  expect(new SettingsStore(chip).load()).toEqual({});
  new SettingsStore(chip).save({ 'proplet/proplet_id': 'p1' });
  new SettingsStore(chip).save({ 'proplet/proplet_id': 'p1', 'proplet/api_key': 'k' });
  expect(new SettingsStore(chip).load()).toEqual({ 'proplet/proplet_id': 'p1', 'proplet/api_key': 'k' });
  chip.flashErase(STORAGE_OFFSET, 0x10000);
  expect(new SettingsStore(chip).load()).toEqual({});
});

test('a torn save leaves the previous settings readable', () => {
  const chip = new TestChip(propletApp);
  const store = new SettingsStore(chip);
  store.save({ a: '1' });
  store.save({ a: '2' });
  // The second save went to the other sector; tear it as a power cut mid-write would.
  const second = STORAGE_OFFSET + 0x1000;
  chip.flash.fill(0xff, second + 20, second + 0x1000);
  expect(store.load()).toEqual({ a: '1' });
  store.save({ a: '3' });
  expect(store.load()).toEqual({ a: '3' });
});
