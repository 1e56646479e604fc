import { describe, expect, it } from 'vitest';
import {
  Appearance,
  Filters,
  NO_FILTERS,
  brandTotals,
  bucketFor,
  durationLabel,
  exportPath,
  filtersFromQuery,
  groupSeries,
  heatGrid,
  keeps,
  mediaClock,
  mentionPoints,
  parseClock,
  positionLabel,
  reportQueryParams,
  screenRegion,
  select,
  sharePercent,
} from './exposure';

function appearance(fields: Partial<Appearance>): Appearance {
  return {
    brand: 'acme',
    source: 'logo',
    start: 0,
    end: 4,
    seconds: 4,
    peak_box: [0.1, 0.1, 0.2, 0.2],
    peak_size: 0.04,
    best_frame_t: 1,
    best_score: 0.8,
    evidence_seq: 0,
    evidence: '/v1/streams/s/evidence/0/acme',
    ...fields,
  };
}

const f = (fields: Partial<Filters>): Filters => ({ ...NO_FILTERS, ...fields });

describe('filters (as the API exports them: functions/exposure.py)', () => {
  const rows = [
    appearance({ brand: 'acme', start: 10, end: 20, best_score: 0.9 }),
    appearance({ brand: 'zeta', start: 0, end: 5, best_score: 0.4 }),
    appearance({ brand: 'acme', start: 30, end: 32, best_score: null }),
  ];

  it('keeps everything without filters, by start', () => {
    expect(select(rows, NO_FILTERS).map((a) => a.start)).toEqual([0, 10, 30]);
  });

  it('filters by brand, confidence (a missing score is 0) and time range (overlap)', () => {
    expect(select(rows, f({ brands: ['acme'] })).map((a) => a.start)).toEqual([10, 30]);
    expect(select(rows, f({ minConfidence: 0.5 })).map((a) => a.brand)).toEqual(['acme']);
    expect(select(rows, f({ start: 4, end: 11 })).map((a) => a.start)).toEqual([0, 10]);
    // touching the range's edge is not inside it
    expect(keeps(rows[1], f({ start: 5 }))).toBe(false);
    expect(keeps(rows[0], f({ end: 10 }))).toBe(false);
  });

  it('totals clip seconds to the range; share of voice adds up to 1', () => {
    const totals = brandTotals(rows, f({ start: 2, end: 15 }));
    expect(totals.map((t) => [t.brand, t.seconds, t.appearances])).toEqual([
      ['acme', 5, 1],
      ['zeta', 3, 1],
    ]);
    expect(totals[0].firstSeen).toBe(10);
    expect(totals[0].lastSeen).toBe(15);
    expect(totals[1].firstSeen).toBe(2);
    expect(totals.reduce((s, t) => s + t.shareOfVoice, 0)).toBeCloseTo(1);
    const all = brandTotals(rows, NO_FILTERS);
    expect(all[0]).toMatchObject({ brand: 'acme', seconds: 12, appearances: 2 });
    // seconds-weighted mean of the scored appearances only
    expect(all[0].meanConfidence).toBeCloseTo(0.9);
  });
});

describe('time labels', () => {
  it('writes media time as m:ss and h:mm:ss', () => {
    expect(mediaClock(0)).toBe('0:00');
    expect(mediaClock(65.4)).toBe('1:05');
    expect(mediaClock(3599.6)).toBe('1:00:00');
    expect(mediaClock(3723)).toBe('1:02:03');
  });

  it('writes durations for people', () => {
    expect(durationLabel(0.8)).toBe('0.8 s');
    expect(durationLabel(12.4)).toBe('12 s');
    expect(durationLabel(65)).toBe('1 min 05 s');
    expect(durationLabel(3720)).toBe('1 h 02 min');
  });

  it('reads times typed as seconds or clock', () => {
    expect(parseClock('90')).toBe(90);
    expect(parseClock('1:30')).toBe(90);
    expect(parseClock('1:02:03')).toBe(3723);
    expect(parseClock(' ')).toBeNull();
    expect(parseClock('1:75')).toBeNull();
    expect(parseClock('abc')).toBeNull();
  });

  it('chooses buckets of whole segments that keep the chart readable', () => {
    expect(bucketFor(36)).toBe(2);
    expect(bucketFor(600)).toBe(10);
    expect(bucketFor(3 * 3600)).toBe(300);
  });
});

describe('share of voice per bucket', () => {
  it('is each brand’s share of the bucket’s brand seconds, 0 in an empty bucket', () => {
    const shares = sharePercent([
      { brand: 'a', seconds: [3, 0, 1], total: 4 },
      { brand: 'b', seconds: [1, 0, 0], total: 1 },
    ]);
    expect(shares).toEqual([
      [75, 0, 100],
      [25, 0, 0],
    ]);
  });
});

describe('many brands in one chart', () => {
  const series = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ brand: `b${i}`, seconds: [n - i, 1], total: n - i + 1 }));

  it('keeps the largest and adds the rest up as "other brands"', () => {
    const grouped = groupSeries(series(12), 8);
    expect(grouped.map((s) => s.brand)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'other brands']);
    expect(grouped[8].seconds).toEqual([4 + 3 + 2 + 1, 4]);
    expect(grouped[8].total).toBe(5 + 4 + 3 + 2);
  });

  it('does not group a single brand away', () => {
    expect(groupSeries(series(9), 8).map((s) => s.brand)).toHaveLength(9);
  });
});

describe('screen position', () => {
  it('names the third of the screen the box’s centre is in', () => {
    expect(screenRegion([0, 0, 0.1, 0.1])).toBe('top-left');
    expect(screenRegion([0.45, 0.45, 0.1, 0.1])).toBe('centre');
    expect(screenRegion([0.8, 0.5, 0.1, 0.1])).toBe('right');
    expect(screenRegion([0.4, 0.8, 0.2, 0.1])).toBe('bottom');
    expect(screenRegion([0.8, 0.55, 0.15, 0.3])).toBe('bottom-right');
  });

  it('labels size and position', () => {
    expect(positionLabel([0.05, 0.05, 0.3, 0.4], 0.12)).toBe('12% of frame, top-left');
    expect(positionLabel([0.81, 0.7, 0.1, 0.1])).toBe('1% of frame, bottom-right');
    expect(positionLabel([0.5, 0.5, 0.05, 0.05])).toBe('<1% of frame, centre');
    expect(positionLabel(null)).toBe('');
  });
});

describe('heat map binning', () => {
  it('spreads each appearance’s seconds over the cells its box covers', () => {
    // A box covering exactly the top-left cell and half of its right neighbour, 6 s.
    const a = appearance({ start: 0, end: 6, peak_box: [0, 0, 0.375, 0.25] });
    const grid = heatGrid([a], NO_FILTERS, 4, 4);
    expect(grid.total).toBe(6);
    expect(grid.cells[0]).toBeCloseTo(4);
    expect(grid.cells[1]).toBeCloseTo(2);
    expect(grid.cells.reduce((s, v) => s + v, 0)).toBeCloseTo(6);
    expect(grid.max).toBeCloseTo(4);
  });

  it('weights by seconds inside the filters and skips appearances without a box', () => {
    const rows = [
      appearance({ brand: 'acme', start: 0, end: 10, peak_box: [0.75, 0.75, 0.25, 0.25] }),
      appearance({ brand: 'zeta', start: 0, end: 10, peak_box: [0, 0, 0.25, 0.25] }),
      appearance({ brand: 'acme', start: 0, end: 10, peak_box: null }),
    ];
    const grid = heatGrid(rows, f({ brands: ['acme'], end: 4 }), 4, 4);
    expect(grid.total).toBe(4);
    expect(grid.cells[15]).toBeCloseTo(4);
    expect(grid.cells[0]).toBe(0);
  });

  it('clamps boxes that reach past the frame', () => {
    const grid = heatGrid([appearance({ start: 0, end: 2, peak_box: [0.9, 0.9, 0.3, 0.3] })], NO_FILTERS, 10, 10);
    expect(grid.cells[99]).toBeCloseTo(2);
  });
});

describe('export links', () => {
  it('passes the filters to the API (brand repeated)', () => {
    expect(exportPath('s1', 'appearances.csv', f({ sources: ['text', 'speech'] }))).toBe(
      '/v1/streams/s1/appearances.csv?source=text&source=speech');
    expect(exportPath('s 1', 'appearances.csv', NO_FILTERS)).toBe('/v1/streams/s%201/appearances.csv');
    const path = exportPath('s1', 'brands.csv', f({ brands: ['acme', 'coca-cola'], start: 10, end: 62.5, minConfidence: 0.55 }));
    expect(path).toBe('/v1/streams/s1/brands.csv?brand=acme&brand=coca-cola&start=10&end=62.5&min_confidence=0.55');
    expect(exportPath('s1', 'timeline', f({ minConfidence: 0.3 }), { bucket_s: '5' })).toBe(
      '/v1/streams/s1/timeline?min_confidence=0.3&bucket_s=5',
    );
  });

  it('carries the filters to the report route and back', () => {
    const filters = f({ brands: ['acme', 'zeta'], start: 1.25, end: 30, minConfidence: 0.6, sources: ['text', 'speech'] });
    const params = reportQueryParams(filters);
    expect(params['source']).toEqual(['text', 'speech']);
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) search.append(k, one);
    expect(filtersFromQuery((n) => search.get(n), (n) => search.getAll(n))).toEqual(filters);
    expect(reportQueryParams(NO_FILTERS)).toEqual({});
  });

  it('ignores junk in the report route’s query', () => {
    const search = new URLSearchParams('start=abc&end=5&min_confidence=2&brand=&brand=acme&brand=acme');
    expect(filtersFromQuery((n) => search.get(n), (n) => search.getAll(n))).toEqual(f({ brands: ['acme'], end: 5 }));
    const backwards = new URLSearchParams('start=10&end=5');
    expect(filtersFromQuery((n) => backwards.get(n), (n) => backwards.getAll(n))).toEqual(f({ start: 10 }));
  });
});

describe('sources: logo and text on screen, speech said aloud', () => {
  const rows = [
    appearance({ brand: 'acme', source: 'logo', start: 0, end: 10, best_score: 0.9 }),
    // Its name written on screen while its logo was there too, and after: 4 s more.
    appearance({ brand: 'acme', source: 'text', start: 6, end: 14, text: 'ACME SALE', best_score: 0.7 }),
    appearance({ brand: 'acme', source: 'speech', start: 20, end: 20.6, seconds: 0.6, text: 'Acme', best_score: 0.6, peak_box: null }),
    appearance({ brand: 'zeta', source: 'speech', start: 3, end: 3.5, seconds: 0.5, text: 'zeta', best_score: 0.5, peak_box: null }),
  ];

  it('counts a moment seen both as logo and as text once, and mentions apart from screen seconds', () => {
    const [acme, zeta] = brandTotals(rows, NO_FILTERS);
    expect(acme).toMatchObject({ brand: 'acme', seconds: 14, logoSeconds: 10, textSeconds: 8, appearances: 2, mentions: 1, shareOfVoice: 1 });
    // Only said aloud: listed, no screen time, no share of the screen seconds.
    expect(zeta).toMatchObject({ brand: 'zeta', seconds: 0, appearances: 0, mentions: 1, shareOfVoice: 0, firstSeen: 3 });
    expect(zeta.meanConfidence).toBeCloseTo(0.5);
  });

  it('filters by source; a mention counts where it starts in the time range', () => {
    expect(select(rows, f({ sources: ['speech'] })).map((a) => a.brand)).toEqual(['zeta', 'acme']);
    expect(brandTotals(rows, f({ sources: ['text'] }))).toMatchObject([{ brand: 'acme', seconds: 8, logoSeconds: 0, mentions: 0 }]);
    expect(select(rows, f({ start: 19, end: 20.2, sources: ['speech'] })).map((a) => a.brand)).toEqual(['acme']);
    expect(select(rows, f({ start: 20.2, sources: ['speech'] }))).toEqual([]);
    expect(keeps(rows[0], f({ sources: ['logo'] }))).toBe(true);
    // An appearance stored before sources existed is a logo's.
    expect(keeps({ ...rows[0], source: undefined as never }, f({ sources: ['logo'] }))).toBe(true);
  });

  it('gives the spoken mentions as points for the chart', () => {
    expect(mentionPoints(rows, NO_FILTERS)).toEqual([
      { brand: 'zeta', t: 3, text: 'zeta' },
      { brand: 'acme', t: 20, text: 'Acme' },
    ]);
    expect(mentionPoints(rows, f({ brands: ['acme'] })).map((m) => m.t)).toEqual([20]);
  });
});
