import { describe, expect, it } from 'vitest';
import { navSection } from './nav-section';

describe('navSection', () => {
  it('marks Streams for the overview and every stream page, and only there', () => {
    expect(navSection('/')).toBe('streams');
    expect(navSection('/streams/demo-1')).toBe('streams');
    expect(navSection('/streams/demo-1/report?brand=x')).toBe('streams');
    expect(navSection('/brands')).toBe('brands');
    expect(navSection('/history?from=2026-11-01')).toBe('history');
    expect(navSection('/sign-in?next=%2Fbrands')).toBe('');
  });
});
