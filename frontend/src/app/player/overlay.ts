import { Detection } from '../core/models';

export interface OverlayOptions {
  objects: boolean;
  logos: boolean;
  minScore: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const COLORS = { object: '#00e676', logo: '#ffb300' } as const;

/** Where the picture really is inside a <video> of this size (object-fit: contain). */
export function contentRect(videoWidth: number, videoHeight: number, boxWidth: number, boxHeight: number): Rect {
  if (!videoWidth || !videoHeight) return { x: 0, y: 0, width: boxWidth, height: boxHeight };
  const scale = Math.min(boxWidth / videoWidth, boxHeight / videoHeight);
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  return { x: (boxWidth - width) / 2, y: (boxHeight - height) / 2, width, height };
}

export function visibleDetections(detections: readonly Detection[], options: OverlayOptions): Detection[] {
  return detections.filter(
    (d) => d.score >= options.minScore && (d.kind === 'logo' ? options.logos : options.objects),
  );
}

/** Draws boxes with label and confidence; returns the pixel boxes drawn (for tests and hit testing). */
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
    const [x, y, w, h] = d.box;
    const rect = {
      x: area.x + x * area.width,
      y: area.y + y * area.height,
      width: w * area.width,
      height: h * area.height,
    };
    const color = COLORS[d.kind] ?? COLORS.object;
    ctx.strokeStyle = color;
    ctx.strokeRect(rect.x, rect.y, rect.width, rect.height);
    const text = `${d.label} ${Math.round(d.score * 100)}%`;
    const textWidth = ctx.measureText(text).width + 8;
    const top = rect.y >= 18 ? rect.y : rect.y + 18; // keep the label on screen
    ctx.fillStyle = color;
    ctx.fillRect(rect.x, top - 18, textWidth, 18);
    ctx.fillStyle = '#000';
    ctx.fillText(text, rect.x + 4, top - 3);
    drawn.push(rect);
  }
  return drawn;
}
