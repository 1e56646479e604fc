import { describe, expect, it } from 'vitest';
import { Detection } from '../core/models';
import { COLORS, contentRect, detectionLabel, drawDetections, drawTextLines, visibleDetections } from './overlay';

const person: Detection = { label: 'person', score: 0.9, box: [0.25, 0.25, 0.5, 0.5], kind: 'object' };
const logo: Detection = { label: 'acme', score: 0.6, box: [0.1, 0.6, 0.2, 0.2], kind: 'logo' };
const faint: Detection = { label: 'cup', score: 0.2, box: [0, 0, 0.1, 0.1], kind: 'object' };
const read: Detection = { label: 'acme', score: 0.8, box: [0.5, 0.1, 0.4, 0.1], kind: 'text', source: 'ocr', text: 'ACME  SUMMER SALE' };
const layers = { objects: true, logos: true, text: true, ocrLines: false, minScore: 0.3 };

function pixel(ctx: CanvasRenderingContext2D, x: number, y: number): string {
  const [r, g, b] = ctx.getImageData(x, y, 1, 1).data;
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

describe('contentRect', () => {
  it('letterboxes a 16:9 picture in a 4:3 box', () => {
    expect(contentRect(1920, 1080, 800, 600)).toEqual({ x: 0, y: 75, width: 800, height: 450 });
  });
  it('pillarboxes a 4:3 picture in a 16:9 box', () => {
    expect(contentRect(640, 480, 1600, 900)).toEqual({ x: 200, y: 0, width: 1200, height: 900 });
  });
  it('uses the whole box before the video knows its size', () => {
    expect(contentRect(0, 0, 320, 180)).toEqual({ x: 0, y: 0, width: 320, height: 180 });
  });
});

describe('visibleDetections', () => {
  it('applies the layer toggles and the confidence threshold', () => {
    const all = [person, logo, faint, read];
    expect(visibleDetections(all, layers)).toEqual([person, logo, read]);
    expect(visibleDetections(all, { ...layers, objects: false, minScore: 0 })).toEqual([logo, read]);
    expect(visibleDetections(all, { ...layers, logos: false, minScore: 0.95 })).toEqual([]);
    // The text layer is its own: hidden with its toggle, the logos stay.
    expect(visibleDetections(all, { ...layers, text: false })).toEqual([person, logo]);
    expect(visibleDetections(all, { ...layers, objects: false, logos: false })).toEqual([read]);
  });
});

describe('drawDetections on a real canvas', () => {
  it('strokes each box where the normalised box says, in its layer colour', () => {
    const canvas = document.createElement('canvas');
    canvas.width = 800;
    canvas.height = 600;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const area = contentRect(1920, 1080, 800, 600); // letterboxed: y 75..525
    const drawn = drawDetections(ctx, [person, logo], area);

    expect(drawn[0]).toEqual({ x: 200, y: 75 + 112.5, width: 400, height: 225 });
    // The person box's right edge (x = 600) and the logo box's bottom edge are drawn...
    expect(pixel(ctx, 600, 400)).toBe(COLORS.object);
    const l = drawn[1];
    expect(pixel(ctx, Math.round(l.x + l.width / 2), Math.round(l.y + l.height))).toBe(COLORS.logo);
    // ...and the inside of a box stays clear, so the video shows through.
    expect(ctx.getImageData(400, 300, 1, 1).data[3]).toBe(0);
  });

  it('keeps the label of a box at the top edge on screen', () => {
    const canvas = document.createElement('canvas');
    canvas.width = 200;
    canvas.height = 100;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    drawDetections(ctx, [{ ...person, box: [0, 0, 0.5, 0.5] }], { x: 0, y: 0, width: 200, height: 100 });
    expect(ctx.getImageData(20, 9, 1, 1).data[3]).toBe(255); // label background inside the box
  });
});

describe('the text layer', () => {
  function canvas(width = 800, height = 450) {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    return c.getContext('2d', { willReadFrequently: true })!;
  }
  const area = { x: 0, y: 0, width: 800, height: 450 };

  it('labels a brand read on screen with what was read', () => {
    expect(detectionLabel(read)).toBe('acme “ACME SUMMER SALE” 80%');
    expect(detectionLabel(logo)).toBe('acme 60%');
    expect(detectionLabel({ ...read, text: 'x'.repeat(50) })).toContain('…”');
  });

  it('outlines it dashed in its own colour, the label with a TEXT tag below the box', () => {
    const ctx = canvas();
    const [rect] = drawDetections(ctx, [read], area);
    expect(rect).toEqual({ x: 400, y: 45, width: 320, height: 45 });
    // Along the top edge: stroked dashes in the text colour, and gaps the video shows through.
    const row = ctx.getImageData(rect.x + 4, rect.y, 200, 1).data;
    let stroked = 0;
    let clear = 0;
    for (let i = 0; i < row.length; i += 4) {
      const hex = `#${[row[i], row[i + 1], row[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
      if (row[i + 3] === 255 && hex === COLORS.text) stroked++;
      if (row[i + 3] === 0) clear++;
    }
    expect(stroked).toBeGreaterThan(50);
    expect(clear).toBeGreaterThan(30);
    // The tag (black) and the label (text colour) sit under the box, not above it.
    expect(pixel(ctx, rect.x + 1, rect.y + rect.height + 2)).toBe('#000000');
    expect(pixel(ctx, rect.x + 60, rect.y + rect.height + 2)).toBe(COLORS.text);
    expect(ctx.getImageData(rect.x + 60, rect.y - 5, 1, 1).data[3]).toBe(0);
  });

  it('a logo box stays solid', () => {
    const ctx = canvas();
    const [rect] = drawDetections(ctx, [{ ...logo, box: [0.5, 0.5, 0.25, 0.25] }], area);
    const row = ctx.getImageData(rect.x + 4, rect.y + rect.height, 150, 1).data;
    for (let i = 0; i < row.length; i += 4) expect(row[i + 3]).toBeGreaterThan(0);
  });

  it('draws every OCR line faint, thin and translucent', () => {
    const ctx = canvas();
    const lines = [{ text: 'OPEN 24 HOURS', score: 0.9, box: [0.1, 0.5, 0.3, 0.1] as [number, number, number, number] }];
    const [rect] = drawTextLines(ctx, lines, area);
    expect(rect).toEqual({ x: 80, y: 225, width: 240, height: 45 });
    const strongest = Math.max(...Array.from({ length: 6 }, (_, i) => ctx.getImageData(rect.x, rect.y + 10 + i, 1, 1).data[3]));
    expect(strongest).toBeGreaterThan(0);
    expect(strongest).toBeLessThan(200); // faint: the video shows through
  });
});
