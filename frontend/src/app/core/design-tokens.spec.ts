import { describe, expect, it } from 'vitest';
import { BRAND_PALETTE } from './design-tokens';
import { brandName, libraryColours } from './brand-names';

describe('libraryColours', () => {
  const library = ['sponsor-a', 'sponsor-b', 'sponsor-c', 'sponsor-d', 'sponsor-e', 'sponsor-f',
    'sponsor-g', 'sponsor-h', 'sponsor-i', 'sponsor-j'];

  it('gives the first ten brands of a library ten different colours', () => {
    // Hashing ids alone gave 8 brands a shared colour almost always (birthday problem):
    // two neighbouring areas of a stacked chart in one colour.
    const colour = libraryColours(library);
    expect(new Set(library.map(colour)).size).toBe(10);
  });

  it('is the same whatever order the list arrives in, and on every call', () => {
    const a = libraryColours(library);
    const b = libraryColours([...library].reverse());
    for (const id of library) expect(b(id)).toBe(a(id));
    expect(a('sponsor-c')).toBe(a('sponsor-c'));
    expect(a('sponsor-a')).toBe(BRAND_PALETTE[0]);
  });

  it('gives brands the library does not hold the next free colours, kept once given', () => {
    const colour = libraryColours(['redbull', 'starbucks']);
    const shown = ['redbull', 'starbucks', 'acme', 'globex', 'initech'].map(colour);
    expect(new Set(shown).size).toBe(5);
    expect(colour('acme')).toBe(BRAND_PALETTE[2]);
    expect(colour('initech')).toBe(shown[4]);
  });

  it('never gives a brand grey, the colour of "other brands"', () => {
    for (const c of BRAND_PALETTE) {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeGreaterThan(40);
    }
  });
});

describe('brandName', () => {
  it('is the name the library gives, else the id', () => {
    const names = { redbull: 'Red Bull', blank: '' };
    expect(brandName(names, 'redbull')).toBe('Red Bull');
    expect(brandName(names, 'gone')).toBe('gone');
    expect(brandName(names, 'blank')).toBe('blank');
    expect(brandName(names, 'toString')).toBe('toString');
  });
});
