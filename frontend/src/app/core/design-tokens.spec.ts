import { describe, expect, it } from 'vitest';
import { BRAND_PALETTE, brandColor, brandSlot } from './design-tokens';
import { brandName, libraryColours } from './brand-names';

describe('brandColor', () => {
  it('is a function of the brand id alone', () => {
    // The same on every page whatever else is loaded: no list of ids to pass.
    expect(brandColor('starbucks')).toBe(brandColor('starbucks'));
    expect(brandColor('starbucks')).toBe(BRAND_PALETTE[brandSlot('starbucks')]);
  });

  it('pins the colours of known brands (a change recolours every saved screenshot)', () => {
    expect(brandSlot('')).toBe(0x811c9dc5 % BRAND_PALETTE.length);
    expect(brandColor('starbucks')).toBe('#0072b2');
    expect(brandColor('redbull')).toBe('#e6194b');
    expect(brandColor('cocacola')).toBe('#cc79a7');
  });

  it('spreads ids over the whole palette', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => brandSlot(`brand-${i}`)));
    expect(used.size).toBe(BRAND_PALETTE.length);
    for (const slot of used) expect(slot).toBeGreaterThanOrEqual(0);
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

describe('libraryColours', () => {
  const library = ['sponsor-a', 'sponsor-b', 'sponsor-c', 'sponsor-d', 'sponsor-e', 'sponsor-f',
    'sponsor-g', 'sponsor-h', 'sponsor-i', 'sponsor-j'];

  it('gives the first ten brands of a library ten different colours', () => {
    // Hashing ids alone gave 8 brands a shared colour almost always (birthday problem):
    // two neighbouring areas of a stacked chart in one colour.
    const colour = libraryColours(library);
    expect(new Set(library.map(colour)).size).toBe(10);
  });

  it('is the same whatever order the list arrives in', () => {
    const a = libraryColours(library);
    const b = libraryColours([...library].reverse());
    for (const id of library) expect(b(id)).toBe(a(id));
  });

  it('gives a brand the library does not hold its hash colour', () => {
    expect(libraryColours(library)('gone')).toBe(brandColor('gone'));
    expect(libraryColours([])('starbucks')).toBe(brandColor('starbucks'));
  });

  it('never gives a brand grey, the colour of "other brands"', () => {
    for (const c of BRAND_PALETTE) {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeGreaterThan(40);
    }
  });
});
