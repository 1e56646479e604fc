import { Detection, TextLine } from '../core/models';

export interface OverlayOptions {
  objects: boolean;
  logos: boolean;
  /** brand names read on screen (kind "text" detections) */
  text: boolean;
  /** every line OCR read, faint, behind the boxes */
  ocrLines: boolean;
  minScore: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Layer colours (src/styles/_tokens.scss --ma-object, --ma-logo, --ma-text-box). */
export const COLORS = { object: '#00e676', logo: '#ffb300', text: '#18ffff' } as const;
/** A brand read on screen is outlined dashed, so it differs from a logo by shape, not only colour. */
export const TEXT_DASH = [7, 4];
const LABEL_H = 18;
const MAX_READ_CHARS = 32;

/** Where the picture really is inside a <video> of this size (object-fit: contain). */
export function contentRect(videoWidth: number, videoHeight: number, boxWidth: number, boxHeight: number): Rect {
  if (!videoWidth || !videoHeight) return { x: 0, y: 0, width: boxWidth, height: boxHeight };
  const scale = Math.min(boxWidth / videoWidth, boxHeight / videoHeight);
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  return { x: (boxWidth - width) / 2, y: (boxHeight - height) / 2, width, height };
}

export function visibleDetections(detections: readonly Detection[], options: OverlayOptions): Detection[] {
  return detections.filter((d) => {
    if (d.score < options.minScore) return false;
    if (d.kind === 'logo') return options.logos;
    if (d.kind === 'text') return options.text;
    return options.objects;
  });
}

function pixels(box: readonly number[], area: Rect): Rect {
  const [x, y, w, h] = box;
  return { x: area.x + x * area.width, y: area.y + y * area.height, width: w * area.width, height: h * area.height };
}

/** "“COCA COLA”", cut to what fits a label. */
export function quoted(text: string | null | undefined, max = MAX_READ_CHARS): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  if (!t) return '';
  return `“${t.length > max ? `${t.slice(0, max - 1)}…` : t}”`;
}

/** The label of a box: "acme 87%"; a brand read on screen: "TEXT acme “ACME SHOP” 87%". */
export function detectionLabel(d: Detection): string {
  const score = `${Math.round(d.score * 100)}%`;
  if (d.kind !== 'text') return `${d.label} ${score}`;
  const read = quoted(d.text);
  return `${d.label}${read ? ` ${read}` : ''} ${score}`;
}

/** Draws boxes with label and confidence; returns the pixel boxes drawn (for tests and hit
 *  testing). Objects and logos: solid outline, label above. Brands read on screen: dashed
 *  outline, a "TEXT" tag and what was read below the box (a logo of the same brand in the
 *  same place keeps its label above). */
export function drawDetections(
  ctx: CanvasRenderingContext2D,
  detections: readonly Detection[],
  area: Rect,
): Rect[] {
  const drawn: Rect[] = [];
  ctx.lineWidth = 2;
  ctx.font = '13px system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  for (const d of detections) {
    const rect = pixels(d.box, area);
    const color = COLORS[d.kind] ?? COLORS.object;
    const text = d.kind === 'text';
    ctx.setLineDash(text ? TEXT_DASH : []);
    ctx.strokeStyle = color;
    ctx.strokeRect(rect.x, rect.y, rect.width, rect.height);
    ctx.setLineDash([]);
    const label = detectionLabel(d);
    if (text) {
      // Below the box, kept on screen; the tag first, inverted.
      const bottom = Math.min(rect.y + rect.height + LABEL_H, area.y + area.height);
      const tag = 'TEXT';
      const tagWidth = ctx.measureText(tag).width + 8;
      const labelWidth = ctx.measureText(label).width + 8;
      ctx.fillStyle = '#000';
      ctx.fillRect(rect.x, bottom - LABEL_H, tagWidth, LABEL_H);
      ctx.fillStyle = color;
      ctx.fillRect(rect.x + tagWidth, bottom - LABEL_H, labelWidth, LABEL_H);
      ctx.font = 'bold 11px system-ui, sans-serif';
      ctx.fillText(tag, rect.x + 4, bottom - 4);
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillStyle = '#000';
      ctx.fillText(label, rect.x + tagWidth + 4, bottom - 3);
    } else {
      const textWidth = ctx.measureText(label).width + 8;
      const top = rect.y >= LABEL_H ? rect.y : rect.y + LABEL_H; // keep the label on screen
      ctx.fillStyle = color;
      ctx.fillRect(rect.x, top - LABEL_H, textWidth, LABEL_H);
      ctx.fillStyle = '#000';
      ctx.fillText(label, rect.x + 4, top - 3);
    }
    drawn.push(rect);
  }
  return drawn;
}

/** Every line OCR read, faint (thin dotted outline, small text under it), so the layer
 *  of brands read stands out against it. Returns the pixel boxes drawn. */
export function drawTextLines(ctx: CanvasRenderingContext2D, lines: readonly TextLine[], area: Rect): Rect[] {
  const drawn: Rect[] = [];
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.setLineDash([2, 3]);
  for (const line of lines) {
    const rect = pixels(line.box, area);
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.55)';
    ctx.strokeRect(rect.x, rect.y, rect.width, rect.height);
    const read = quoted(line.text, 40);
    if (read) {
      const width = ctx.measureText(read).width + 6;
      const top = Math.min(rect.y + rect.height + 1, area.y + area.height - 14);
      ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
      ctx.fillRect(rect.x, top, width, 14);
      ctx.fillStyle = 'rgba(255, 255, 255, 0.8)';
      ctx.fillText(read, rect.x + 3, top + 1);
    }
    drawn.push(rect);
  }
  ctx.setLineDash([]);
  return drawn;
}
