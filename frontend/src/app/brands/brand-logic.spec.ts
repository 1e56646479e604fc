import { describe, expect, it } from 'vitest';
import type { BrandLogo, LogoCheck } from '../core/api.service';
import { brandSlug, duration, matchingBrands, percent, precheck, refusedVerdict, storedVerdict, withAlias } from './brand-logic';

const check = (over: Partial<LogoCheck> = {}): LogoCheck => ({
  usable: true, quality: 'good', reason: null, found: 7, trials: 8, smallest_found_px: 60, keypoints: false, ...over,
});
const logo = (c: LogoCheck | null): BrandLogo => ({ logo_id: 'a'.repeat(16) + '.png', brand_id: 'acme', object: 'brands/acme/x.png', size: 10, check: c });

describe('brand ids from names', () => {
  it('are the API pattern: a-z, 0-9, dashes, at most 40', () => {
    expect(brandSlug('Coca-Cola Zéro')).toBe('coca-cola-zero');
    expect(brandSlug('  H&M ')).toBe('h-and-m');
    expect(brandSlug('Red Bull®!!')).toBe('red-bull');
    expect(brandSlug('***')).toBe('');
    const long = brandSlug('a'.repeat(39) + ' b c');
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toMatch(/^[a-z0-9][a-z0-9-]{0,39}$/);
    expect(long.endsWith('-')).toBe(false);
  });
});

describe('the upload check in words', () => {
  it('a usable logo says how often and from which size it is found', () => {
    const v = storedVerdict(logo(check()));
    expect(v).toMatchObject({ tone: 'ok', kept: true, title: 'Usable — good' });
    expect(v.detail).toContain('Found in 7 of 8 test scenes');
    expect(v.detail).toContain('from 60 px');
    expect(storedVerdict(logo(check({ quality: 'poor', found: 2 }))).tone).toBe('warn');
    expect(storedVerdict(logo(check({ quality: 'fair' }))).title).toContain('fair');
  });

  it('a logo stored without a check says so', () => {
    expect(storedVerdict(logo(null))).toMatchObject({ kept: true, title: 'Stored (not checked)' });
  });

  it('a refused logo shows the reason and is not kept', () => {
    const blank = refusedVerdict(422, 'this logo cannot be used: no logo found in the image: it is blank, or the logo does not stand out');
    expect(blank).toMatchObject({ tone: 'error', kept: false, title: 'Refused: the detector cannot use this logo' });
    expect(blank.detail).toBe('No logo found in the image: it is blank, or the logo does not stand out. Not kept.');
    const tiny = refusedVerdict(400, 'logo must be 16-4096 px per side, got 8x8');
    expect(tiny.title).toBe('Refused: not a usable image');
    expect(tiny.detail).toBe('Logo must be 16-4096 px per side, got 8x8. Not kept.');
    expect(refusedVerdict(413, '').detail).toContain('8 MB');
    expect(refusedVerdict(403, 'forbidden').detail).toContain('Only admins');
    const down = refusedVerdict(503, 'the model service that checks logos is not reachable; try again');
    expect(down).toMatchObject({ tone: 'warn', kept: false });
    expect(down.detail).toContain('Nothing was stored');
    expect(refusedVerdict(500, 'boom.').detail).toBe('Boom. Not kept.');
  });

  it('files that cannot be logos are refused before uploading', () => {
    expect(precheck({ name: 'notes.pdf', type: 'application/pdf', size: 100 })?.title).toBe('Refused: not a logo file');
    expect(precheck({ name: 'big.png', type: 'image/png', size: 9 * 1024 * 1024 })?.title).toBe('Refused: file too large');
    expect(precheck({ name: 'empty.svg', type: '', size: 0 })?.kept).toBe(false);
    expect(precheck({ name: 'Logo.SVG', type: '', size: 100 })).toBeNull();
    expect(precheck({ name: 'clipboard', type: 'image/webp', size: 100 })).toBeNull();
  });
});

describe('numbers as people read them', () => {
  it('durations', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(12.46)).toBe('12.5 s');
    expect(duration(59.97)).toBe('1 min 00 s');
    expect(duration(245)).toBe('4 min 05 s');
    expect(duration(3725)).toBe('1 h 02 min');
    expect(duration(null)).toBe('0 s');
  });

  it('shares', () => {
    expect(percent(0)).toBe('0%');
    expect(percent(0.0004)).toBe('<0.1%');
    expect(percent(0.025)).toBe('2.5%');
    expect(percent(0.3412)).toBe('34%');
  });
});

describe('aliases', () => {
  it('adds a trimmed alias', () => {
    expect(withAlias(['Coke'], '  Coca   Cola Zero ', 'Coca-Cola')).toEqual({ aliases: ['Coke', 'Coca Cola Zero'] });
    expect(withAlias([], '', 'Coca-Cola')).toEqual({ aliases: [] });
  });

  it('refuses the name itself, a repeat and what cannot be matched, saying why', () => {
    expect(withAlias(['Coke'], 'COCA COLA', 'Coca-Cola').error).toContain("the brand's name");
    expect(withAlias(['Coke'], 'coke.', 'Coca-Cola')).toEqual({ aliases: ['Coke'], error: '“coke.” is already an alias.' });
    expect(withAlias([], '!!!', 'Coca-Cola').error).toContain('no letter or digit');
    expect(withAlias([], 'x'.repeat(101), 'Coca-Cola').error).toContain('at most 100');
  });
});

describe('finding a brand in a long list', () => {
  const brands = [
    { brand_id: 'nestle', name: 'Nestlé', aliases: ['Nescafé'] },
    { brand_id: 'redbull', name: 'Red Bull' },
    { brand_id: 'coca-cola', name: 'Coca-Cola', aliases: ['Coke'] },
  ];

  it('matches name, id and aliases, case and accents ignored', () => {
    expect(matchingBrands(brands, 'NESTLE').map((b) => b.brand_id)).toEqual(['nestle']);
    expect(matchingBrands(brands, 'nescafe').map((b) => b.brand_id)).toEqual(['nestle']);
    expect(matchingBrands(brands, 'coke').map((b) => b.brand_id)).toEqual(['coca-cola']);
    expect(matchingBrands(brands, 'redb').map((b) => b.brand_id)).toEqual(['redbull']);
    expect(matchingBrands(brands, 'red  bull').map((b) => b.brand_id)).toEqual(['redbull']);
  });

  it('keeps every brand, in order, for an empty query and none for a stranger', () => {
    expect(matchingBrands(brands, '  ')).toEqual(brands);
    expect(matchingBrands(brands, 'pepsi')).toEqual([]);
  });
});
