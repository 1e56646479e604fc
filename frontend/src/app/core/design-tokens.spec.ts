import { describe, expect, it } from 'vitest';
import { BRAND_PALETTE, brandColor, brandSlot } from './design-tokens';
import { brandName } from './brand-names';

describe('brandColor', () => {
  it('is a function of the brand id alone', () => {
    // The same on every page whatever else is loaded: no list of ids to pass.
    expect(brandColor('starbucks')).toBe(brandColor('starbucks'));
    expect(brandColor('starbucks')).toBe(BRAND_PALETTE[brandSlot('starbucks')]);
  });

  it('pins the colours of known brands (a change recolours every saved screenshot)', () => {
    expect(brandSlot('')).toBe(0x811c9dc5 % BRAND_PALETTE.length);
    expect(brandColor('starbucks')).toBe('#0072b2');
    expect(brandColor('redbull')).toBe('#b4b4b4');
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
