import { expect, test } from '@playwright/test';
import { erasedBy, eraseMs } from './chipTime.ts';

const KIB = 1024;

test('an erase uses whole 64 KiB blocks where aligned, sectors for the rest', () => {
  expect(eraseMs(0, 64 * KIB)).toBe(250);
  expect(eraseMs(0x1000, 64 * KIB)).toBe(16 * 50);
  // 0x8000..0x20000: 8 sectors up to the block boundary, then one block.
  expect(eraseMs(0x8000, 0x18000)).toBe(8 * 50 + 250);
});

test('erasedBy: the time until the sectors below a write position are erased, in the erase order of the whole region', () => {
  // A 1 MiB region erases block by block: the first byte needs the first block, not a sector.
  expect(erasedBy(0, 1024 * KIB, 1)).toBe(250);
  expect(erasedBy(0, 1024 * KIB, 64 * KIB)).toBe(250);
  expect(erasedBy(0, 1024 * KIB, 64 * KIB + 1)).toBe(500);
  expect(erasedBy(0, 1024 * KIB, 1024 * KIB)).toBe(eraseMs(0, 1024 * KIB));
  // A region shorter than a block goes sector by sector.
  expect(erasedBy(0, 32 * KIB, 4 * KIB + 1)).toBe(100);
  expect(erasedBy(0, 32 * KIB, 0)).toBe(0);
});
