import { describe, expect, it } from 'vitest';
import type { StreamDoc } from '../core/models';
import {
  WHOLE, clippedSeconds, compareStreams, comparisonCsv, csvCell, filterStreams, mediaRange, parseMediaTime,
  secondsByBrand, topBrands,
} from './compare';

const summary = {
  brands: [
    { brand: 'acme', seconds: 10.5, share_of_voice: 0.7 },
    { brand: 'globex', seconds: 4.5, share_of_voice: 0.3 },
    { brand: 'nobody', seconds: 0, share_of_voice: 0 },
  ],
  appearances: [
    { brand: 'acme', start: 0, end: 6, seconds: 6 },
    { brand: 'acme', start: 20, end: 24.5, seconds: 4.5 },
    { brand: 'globex', start: 8, end: 12.5, seconds: 4.5 },
  ],
};

describe('time-range clipping', () => {
  it('counts the part of an appearance inside the range', () => {
    const a = { start: 8, end: 12.5 };
    expect(clippedSeconds(a, WHOLE)).toBe(4.5);
    expect(clippedSeconds(a, { start: 10, end: null })).toBe(2.5);
    expect(clippedSeconds(a, { start: null, end: 9 })).toBe(1);
    expect(clippedSeconds(a, { start: 9, end: 10 })).toBe(1);
    expect(clippedSeconds(a, { start: 13, end: 20 })).toBe(0);
    expect(clippedSeconds(a, { start: 0, end: 8 })).toBe(0);
  });

  it('takes the stream totals for the whole stream, clipped appearances for a range', () => {
    expect([...secondsByBrand(summary, WHOLE)]).toEqual([['acme', 10.5], ['globex', 4.5]]);
    expect([...secondsByBrand(summary, { start: 5, end: 22 })]).toEqual([['acme', 3], ['globex', 4.5]]);
    expect([...secondsByBrand(summary, { start: 30, end: null })]).toEqual([]);
  });

  it('reads media times and refuses empty or reversed ranges', () => {
    expect(parseMediaTime('')).toBeNull();
    expect(parseMediaTime('90')).toBe(90);
    expect(parseMediaTime('1:30')).toBe(90);
    expect(parseMediaTime('1:02:03')).toBe(3723);
    expect(parseMediaTime('2.5')).toBe(2.5);
    expect(parseMediaTime('1:75')).toBeNaN();
    expect(parseMediaTime('abc')).toBeNaN();
    expect(mediaRange('1:00', '2:00')).toEqual({ start: 60, end: 120 });
    expect(mediaRange('', '')).toEqual(WHOLE);
    expect(mediaRange('0', '30')).toEqual({ start: null, end: 30 });
    expect(mediaRange('2:00', '1:00')).toContain('after its start');
    expect(mediaRange('x', '')).toContain('minutes:seconds');
  });
});

describe('sources in a time range', () => {
  it('counts on-screen seconds only, a moment seen as logo and as text once', () => {
    const summary = {
      brands: [],
      appearances: [
        { brand: 'acme', source: 'logo' as const, start: 0, end: 10, seconds: 10 },
        { brand: 'acme', source: 'text' as const, start: 5, end: 15, seconds: 10 },
        { brand: 'acme', source: 'speech' as const, start: 12, end: 13, seconds: 1 },
        { brand: 'zeta', source: 'speech' as const, start: 2, end: 3, seconds: 1 },
      ],
    };
    expect([...secondsByBrand(summary, { start: 2, end: 12 })]).toEqual([['acme', 10]]);
  });
});

describe('brands compared across streams', () => {
  const c = compareStreams([
    { id: 's1', name: 'Saturday', seconds: new Map([['acme', 6], ['globex', 2]]) },
    { id: 's2', name: 'Sunday', seconds: new Map([['acme', 4.5], ['initech', 1.5]]) },
  ]);

  it('orders brands by seconds across the streams, zero where a stream has none', () => {
    expect(c.brands).toEqual(['acme', 'globex', 'initech']);
    expect(c.streams.map((s) => s.seconds)).toEqual([[6, 2, 0], [4.5, 0, 1.5]]);
    expect(c.totalSeconds).toEqual([10.5, 2, 1.5]);
  });

  it('shares of voice are of each stream, and of all compared streams', () => {
    expect(c.streams[0].share).toEqual([0.75, 0.25, 0]);
    expect(c.streams[1].share).toEqual([0.75, 0, 0.25]);
    expect(c.streams.map((s) => s.total)).toEqual([8, 6]);
    expect(c.totalShare).toEqual([0.75, 2 / 14, 1.5 / 14]);
    const none = compareStreams([{ id: 'a', name: 'A', seconds: new Map() }, { id: 'b', name: 'B', seconds: new Map() }]);
    expect(none.brands).toEqual([]);
    expect(none.streams[0].total).toBe(0);
  });

  it('exports one CSV row per stream and brand seen there', () => {
    const csv = comparisonCsv(c, { start: 60, end: null }, { acme: 'Acme Corp' });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('stream_id,stream_name,brand,brand_name,seconds,share_of_voice,range_start_s,range_end_s');
    expect(lines[1]).toBe('s1,Saturday,acme,Acme Corp,6,0.75,60,');
    expect(lines).toHaveLength(4 + 1 + 1); // header, 4 rows, trailing empty
    expect(lines).not.toContain('s1,Saturday,initech,initech,0,0,60,');
  });
});

describe('CSV cells', () => {
  it('quote separators and make formulas inert', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-2)).toBe('-2'); // numbers are numbers
    expect(csvCell(null)).toBe('');
  });
});

describe('history list', () => {
  const day = (d: string) => new Date(`${d}T12:00:00`);
  const s = (id: string, status: StreamDoc['status'], date: string | null, brands = {}): StreamDoc =>
    ({ id, name: id, status, mode: 'realtime', live_since: date ? day(date) : undefined, brands }) as StreamDoc;
  const all = [s('a', 'ended', '2026-11-01'), s('b', 'live', '2026-11-15'), s('c', 'ended', '2026-11-30'), s('d', 'idle', null)];

  it('filters by date range and status', () => {
    expect(filterStreams(all, '', '', false).map((x) => x.id)).toEqual(['c', 'b', 'a', 'd']); // latest first
    expect(filterStreams(all, '', '', true).map((x) => x.id)).toEqual(['c', 'a']);
    expect(filterStreams(all, '2026-11-15', '', false).map((x) => x.id)).toEqual(['c', 'b']);
    expect(filterStreams(all, '2026-11-01', '2026-11-15', true).map((x) => x.id)).toEqual(['a']);
    expect(filterStreams(all, '2026-11-30', '2026-11-30', false).map((x) => x.id)).toEqual(['c']);
  });

  it('shows the top brands by seconds', () => {
    const x = s('x', 'ended', null, { a: { seconds: 1 }, b: { seconds: 5 }, c: { seconds: 0 }, d: { seconds: 3 }, e: { seconds: 2 } });
    expect(topBrands(x)).toEqual([{ brand: 'b', seconds: 5 }, { brand: 'd', seconds: 3 }, { brand: 'e', seconds: 2 }]);
  });
});
