import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  OnDestroy,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { BrandNames } from '../core/brand-names';
import { DecimalPipe } from '@angular/common';
import { Appearance, Filters, HeatGrid, durationLabel, heatGrid } from './exposure';

/**
 * Where on screen a brand appeared: the frame as a 16 x 9 grid, each cell shaded by the
 * seconds the brand's peak box covered it (each appearance's seconds in the filters spread
 * over its box). One brand at a time (chips), or all brands together. A hand-drawn canvas:
 * a grid of rectangles needs no chart library.
 */
@Component({
  selector: 'ma-heatmap',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DecimalPipe],
  template: `
    <div class="pick" role="radiogroup" aria-label="Brand shown in the heat map">
      @for (b of brands(); track b) {
        <button type="button" role="radio" [attr.aria-checked]="b === shown()" [class.on]="b === shown()"
                (click)="picked.set(b)" [attr.data-brand]="b">
          <span class="swatch" [style.background]="colour()(b)"></span>{{ names.name(b) }}</button>
      }
      @if (brands().length > 1) {
        <button type="button" role="radio" [attr.aria-checked]="shown() === ''" [class.on]="shown() === ''"
                (click)="picked.set('')">All brands</button>
      }
    </div>
    <div class="plot">
      <span class="ylabel" aria-hidden="true">Vertical position</span>
      <div class="yticks" aria-hidden="true"><span>Top</span><span>Middle</span><span>Bottom</span></div>
      <div class="canvas-box">
        <canvas #canvas role="img" [attr.aria-label]="description()" data-testid="heatmap"
                [attr.data-shown]="shown()" [attr.data-hottest]="hottest()"></canvas>
        @if (!grid().total) { <p class="empty">{{ brands().length ? 'No position recorded in this range.' : 'No brand on screen in this range.' }}</p> }
      </div>
      <div></div><div></div>
      <div class="xticks" aria-hidden="true"><span>Left</span><span>Centre</span><span>Right</span></div>
      <div></div><div></div>
      <span class="xlabel" aria-hidden="true">Horizontal position in the frame</span>
    </div>
    <div class="scale">
      <span>0 s</span>
      <span class="ramp" [style.background]="ramp()"></span>
      <span>{{ grid().max | number: '1.1-1' }} s per cell</span>
    </div>
    <p class="caption">{{ caption() }}</p>
  `,
  styles: `
    :host { display: block; }
    .pick { display: flex; flex-wrap: wrap; gap: var(--ma-space-1); margin-bottom: var(--ma-space-2); }
    .pick button { display: inline-flex; align-items: center; gap: 6px; font: inherit; font-size: var(--ma-text-xs);
                   background: var(--ma-surface-2); color: var(--ma-text); border: 1px solid var(--ma-border);
                   border-radius: 999px; padding: 2px 10px; cursor: pointer; }
    .pick button.on { border-color: var(--ma-primary); background: #1d3147; }
    .swatch { width: 10px; height: 10px; border-radius: 2px; }
    .plot { display: grid; grid-template-columns: auto auto minmax(0, 1fr); align-items: stretch; column-gap: var(--ma-space-1); }
    .ylabel { writing-mode: vertical-rl; transform: rotate(180deg); text-align: center; font-size: var(--ma-text-xs);
              color: var(--ma-text-muted); }
    .yticks { display: flex; flex-direction: column; justify-content: space-around; font-size: var(--ma-text-xs);
              color: var(--ma-text-muted); text-align: right; }
    .canvas-box { position: relative; aspect-ratio: 16 / 9; background: #0b0e11; border: 1px solid var(--ma-border);
                  border-radius: var(--ma-radius-sm); overflow: hidden; }
    canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
    .empty { position: absolute; inset: 0; display: grid; place-items: center; margin: 0; color: var(--ma-text-muted);
             font-size: var(--ma-text-sm); }
    .xticks { display: flex; justify-content: space-around; font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
    .xlabel { text-align: center; font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
    .scale { display: flex; align-items: center; gap: var(--ma-space-2); font-size: var(--ma-text-xs); color: var(--ma-text-muted);
             margin-top: var(--ma-space-2); }
    .ramp { flex: 1; max-width: 200px; height: 8px; border-radius: 4px; border: 1px solid var(--ma-border); }
    .caption { font-size: var(--ma-text-xs); color: var(--ma-text-muted); margin: var(--ma-space-1) 0 0; }
  `,
})
export class HeatmapComponent implements OnDestroy {
  /** Brand names for ids (the id for a brand the library does not know). */
  readonly names = inject(BrandNames);
  /** The stream's appearances (the filters are applied here). */
  readonly appearances = input.required<readonly Appearance[]>();
  readonly filters = input.required<Filters>();
  /** Brands to offer, most seconds first. */
  readonly brands = input.required<readonly string[]>();
  readonly colour = input.required<(brand: string) => string>();

  /** The brand chosen; '' = all brands. Defaults to the brand with most seconds. */
  readonly picked = signal<string | null>(null);
  readonly shown = computed(() => {
    const picked = this.picked();
    const brands = this.brands();
    if (picked === '' && brands.length > 1) return '';
    return picked && brands.includes(picked) ? picked : (brands[0] ?? '');
  });
  readonly grid = computed<HeatGrid>(() => {
    const shown = this.shown();
    const filters = this.filters();
    return heatGrid(this.appearances(), shown ? { ...filters, brands: [shown] } : filters);
  });
  private readonly tint = computed(() => (this.shown() ? this.colour()(this.shown()) : '#ffb300'));
  readonly ramp = computed(() => `linear-gradient(90deg, #0b0e11, ${this.tint()})`);
  readonly caption = computed(() => {
    const g = this.grid();
    const who = this.shown() ? this.names.name(this.shown()) : 'all brands';
    if (!g.total) return `Where ${who} appeared on screen, weighted by seconds.`;
    return `Where ${who} appeared on screen: each appearance's largest view, weighted by its seconds (${durationLabel(g.total)} in all).`;
  });
  /** The hottest cell's centre as fractions of the frame's width and height ("x,y"; null:
   *  nothing drawn), on the canvas for tests and tools. */
  readonly hottest = computed(() => {
    const g = this.grid();
    if (!g.total) return null;
    const top = g.cells.indexOf(g.max);
    return `${(((top % g.cols) + 0.5) / g.cols).toFixed(4)},${((Math.floor(top / g.cols) + 0.5) / g.rows).toFixed(4)}`;
  });
  readonly description = computed(() => {
    const g = this.grid();
    if (!g.total) return 'Screen-position heat map: nothing in this range';
    const top = g.cells.indexOf(g.max);
    const col = top % g.cols;
    const row = Math.floor(top / g.cols);
    return `Screen-position heat map of ${this.shown() ? this.names.name(this.shown()) : 'all brands'}: most time around column ${col + 1} of ${g.cols}, row ${row + 1} of ${g.rows}`;
  });

  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private resize?: ResizeObserver;
  private readonly size = signal(0);

  constructor() {
    afterNextRender(() => {
      this.resize = new ResizeObserver(() => this.size.set(this.canvas().nativeElement.clientWidth));
      this.resize.observe(this.canvas().nativeElement);
    });
    effect(() => this.draw(this.grid(), this.tint(), this.size()));
  }

  private draw(grid: HeatGrid, tint: string, _width: number): void {
    const canvas = this.canvas().nativeElement;
    const ratio = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * ratio);
    const h = Math.round(canvas.clientHeight * ratio);
    if (!w || !h) return;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    const cw = w / grid.cols;
    const ch = h / grid.rows;
    ctx.fillStyle = tint;
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        const v = grid.cells[r * grid.cols + c];
        if (v <= 0 || grid.max <= 0) continue;
        // Light cells stay visible: a brand seen there at all shows.
        ctx.globalAlpha = 0.12 + 0.88 * (v / grid.max);
        ctx.fillRect(c * cw + 0.5, r * ch + 0.5, cw - 1, ch - 1);
      }
    }
    ctx.globalAlpha = 1;
    // Thirds: the regions the appearance list names (top-left, centre, …).
    ctx.strokeStyle = 'rgba(255,255,255,0.22)';
    ctx.setLineDash([4 * ratio, 4 * ratio]);
    ctx.lineWidth = ratio;
    ctx.beginPath();
    for (const f of [1 / 3, 2 / 3]) {
      ctx.moveTo(Math.round(w * f) + 0.5, 0);
      ctx.lineTo(Math.round(w * f) + 0.5, h);
      ctx.moveTo(0, Math.round(h * f) + 0.5);
      ctx.lineTo(w, Math.round(h * f) + 0.5);
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }

  ngOnDestroy(): void {
    this.resize?.disconnect();
  }
}
