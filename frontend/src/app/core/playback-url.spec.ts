import { describe, expect, it } from 'vitest';
import { playbackUrl } from './playback-url';

describe('playbackUrl', () => {
  const live = 'http://127.0.0.1:8081/v1/streams/s1/playlist.m3u8';
  it('plays an ended stream\'s whole recording, a live one at its edge', () => {
    expect(playbackUrl(live, 'ended')).toBe('http://127.0.0.1:8081/v1/streams/s1/recording.m3u8');
    expect(playbackUrl(live, 'live')).toBe(live);
    expect(playbackUrl(live, 'idle')).toBe(live);
  });
  it('leaves a bucket playlist alone and has nothing without one', () => {
    const bucket = 'http://127.0.0.1:9000/b/streams/s1/index.m3u8';
    expect(playbackUrl(bucket, 'ended')).toBe(bucket);
    expect(playbackUrl(undefined, 'ended')).toBeNull();
  });
});
