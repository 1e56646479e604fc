import { describe, expect, it } from 'vitest';
import { legacyStreamUrl } from './legacy-url';

describe('legacyStreamUrl (?stream= links from before hash routing)', () => {
  it('opens the stream route', () => {
    expect(legacyStreamUrl('http://127.0.0.1:4200/?stream=abc123')).toBe('/#/streams/abc123');
    expect(legacyStreamUrl('http://127.0.0.1:4200/?stream=abc123#/')).toBe('/#/streams/abc123');
  });

  it('keeps other parameters and encodes the id', () => {
    expect(legacyStreamUrl('http://h/app/?x=1&stream=a%2Fb')).toBe('/app/?x=1#/streams/a%2Fb');
  });

  it('leaves other addresses alone, and an explicit hash route wins', () => {
    expect(legacyStreamUrl('http://h/')).toBeNull();
    expect(legacyStreamUrl('http://h/#/streams/x')).toBeNull();
    expect(legacyStreamUrl('http://h/?stream=')).toBeNull();
    expect(legacyStreamUrl('http://h/?stream=a#/brands')).toBe('/#/brands');
  });
});
