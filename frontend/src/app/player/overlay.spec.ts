import { describe, expect, it } from 'vitest';
import { Detection } from '../core/models';
import { COLORS, contentRect, drawDetections, visibleDetections } from './overlay';

const person: Detection = { label: 'person', score: 0.9, box: [0.25, 0.25, 0.5, 0.5], kind: 'object' };
const logo: Detection = { label: 'acme', score: 0.6, box: [0.1, 0.6, 0.2, 0.2], kind: 'logo' };
const faint: Detection = { label: 'cup', score: 0.2, box: [0, 0, 0.1, 0.1], kind: 'object' };

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
    const all = [person, logo, faint];
    expect(visibleDetections(all, { objects: true, logos: true, minScore: 0.3 })).toEqual([person, logo]);
    expect(visibleDetections(all, { objects: false, logos: true, minScore: 0 })).toEqual([logo]);
    expect(visibleDetections(all, { objects: true, logos: false, minScore: 0.95 })).toEqual([]);
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
