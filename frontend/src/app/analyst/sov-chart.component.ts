import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  OnDestroy,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import type { Chart, ChartConfiguration, ChartDataset, TooltipItem } from 'chart.js';
import type { StreamTimeline } from '../core/api.service';
import { BrandNames } from '../core/brand-names';
import { IconComponent } from '../ui/icon.component';
import { OTHER_BRANDS, OTHER_COLOUR, bucketLabel, groupSeries, mediaClock, sharePercent } from './exposure';

export type ChartMode = 'seconds' | 'share';
type Point = { x: number; y: number };

/** Axis, grid and text colours: the dashboard's dark surfaces, or paper for the report. */
const THEMES = {
  dark: { text: '#c5ccd4', grid: 'rgba(255,255,255,0.08)', axis: 'rgba(255,255,255,0.25)' },
  paper: { text: '#222', grid: 'rgba(0,0,0,0.1)', axis: 'rgba(0,0,0,0.4)' },
} as const;

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];

/** A media-time tick step: whole seconds, minutes or hours, about `ticks` of them. */
export function timeStep(span: number, ticks = 6): number {
  return TIME_STEPS.find((s) => span / s <= ticks) ?? TIME_STEPS[TIME_STEPS.length - 1];
}

/**
 * Share of voice over time as a stacked, stepped area chart (chart.js, loaded on first use)
 * with a legend of brand names: x is media time (m:ss), y the seconds each brand was on
 * screen in each bucket, or its share of the brands' seconds there (%); each bucket's value
 * is drawn flat across the bucket. New data updates the same chart in place (live streams
 * refresh it every few seconds), so nothing flickers or re-animates. Spoken mentions have no
 * screen seconds: they are marks under the time axis, in the brand's colour (click: play).
 */
@Component({
  selector: 'ma-sov-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IconComponent],
  template: `
    <div class="frame" [style.height]="height()" [class.bare]="bare()">
      <canvas #canvas role="img" [attr.aria-label]="description()" data-testid="sov-chart"></canvas>
      @if (empty()) { <p class="empty" data-testid="sov-empty">{{ emptyText() }}</p> }
    </div>
    @if (marks().length) {
      <div class="rail" data-testid="mention-rail" role="group" aria-label="Spoken mentions, by media time">
        <span class="rail-label" [style.width.px]="geometry()!.left"><ma-icon name="speech" [size]="14" /> said</span>
        @for (m of marks(); track $index) {
          <button type="button" class="mark" [style.left.px]="m.x" [style.--mark]="colour()(m.brand)" (click)="seek.emit(m.t)"
                  [attr.data-brand]="m.brand" data-testid="mention-mark"
                  [attr.aria-label]="names.name(m.brand) + ' said at ' + clock(m.t) + (m.text ? ': ' + m.text : '') + '. Play from there.'"
                  [title]="names.name(m.brand) + ' said at ' + clock(m.t) + (m.text ? ': “' + m.text + '”' : '')"></button>
        }
      </div>
    }
    @if (grouped()) {
      <p class="note">The {{ keep() }} brands with most seconds are drawn one by one; {{ grouped() }} more together, in grey.</p>
    }
  `,
  styles: `
    :host { display: block; }
    .frame { position: relative; width: 100%; }
    canvas { position: absolute; inset: 0; }
    /* Nothing to draw: the message alone, no empty axes under it. */
    .frame.bare canvas { visibility: hidden; }
    .frame.bare { border: 1px dashed var(--ma-border); border-radius: var(--ma-radius-sm); }
    .note { margin: var(--ma-space-1) 0 0; font-size: 11px; opacity: 0.75; }
    .rail { position: relative; height: 20px; margin-top: 2px; }
    .rail-label { position: absolute; left: 0; top: 0; height: 20px; display: inline-flex; align-items: center; justify-content: flex-end;
                  gap: 2px; padding-right: 6px; box-sizing: border-box; font-size: 11px; color: var(--ma-text-muted); }
    .rail-label ma-icon { color: var(--ma-speech); }
    .mark { position: absolute; top: 2px; width: 10px; height: 16px; margin-left: -5px; padding: 0; border: 0; cursor: pointer;
            background: var(--mark); clip-path: polygon(50% 0, 100% 100%, 0 100%); }
    .mark:hover, .mark:focus-visible { transform: scale(1.3); outline: none; }
    .empty { position: absolute; inset: 0; display: grid; place-items: center; margin: 0; text-align: center;
             color: var(--ma-text-muted); font-size: var(--ma-text-sm); padding: var(--ma-space-4); }
  `,
})
export class SovChartComponent implements OnDestroy {
  /** Brand names for ids (the id for a brand the library does not know). */
  readonly names = inject(BrandNames);
  readonly timeline = input<StreamTimeline | null>(null);
  readonly colour = input.required<(brand: string) => string>();
  readonly mode = input<ChartMode>('seconds');
  readonly theme = input<keyof typeof THEMES>('dark');
  readonly height = input('260px');
  /** Drawn at this pixel ratio (the report: crisp when printed). */
  readonly pixelRatio = input<number | undefined>(undefined);
  readonly emptyText = input('No brand on screen in this range.');
  /** Brands drawn one by one; the rest as one grey "other brands" area. */
  readonly keep = input(8);
  /** Spoken mentions, drawn as marks under the time axis (a mention has no screen seconds). */
  readonly mentions = input<readonly { brand: string; t: number; text: string }[]>([]);
  /** Emitted once the chart has drawn data (the report waits for it before printing). */
  readonly drawn = output<void>();
  /** A mention mark was clicked: play from this media time. */
  readonly seek = output<number>();
  /** Where the plot area is (px) and the media times at its edges, after each draw. */
  readonly geometry = signal<{ left: number; right: number; min: number; max: number } | null>(null);
  readonly marks = computed(() => {
    const g = this.geometry();
    if (!g || g.max <= g.min) return [];
    return this.mentions()
      .filter((m) => m.t >= g.min && m.t <= g.max)
      .map((m) => ({ ...m, x: g.left + ((m.t - g.min) / (g.max - g.min)) * (g.right - g.left) }));
  });
  readonly clock = mediaClock;

  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart?: Chart<'line', Point[]>;
  private loading?: Promise<typeof import('./chart-setup')>;
  private destroyed = false;
  readonly ready = signal(false);

  readonly empty = computed(() => !this.timeline()?.series.length);
  /** No area and no spoken mark: the axes are hidden (the mention marks need them). */
  readonly bare = computed(() => this.empty() && !this.mentions().length);
  /** How many brands the "other brands" area holds (0: none grouped). */
  readonly grouped = computed(() => {
    const n = this.timeline()?.series.length ?? 0;
    return n > this.keep() + 1 ? n - this.keep() : 0;
  });
  readonly description = computed(() => {
    const t = this.timeline();
    if (!t?.series.length) return 'Share of voice over time: no brand on screen';
    const parts = t.series.map((s) => `${this.names.name(s.brand)} ${s.total.toFixed(1)} s`);
    return `Share of voice over time, ${mediaClock(t.start)} to ${mediaClock(t.end)}: ${parts.join(', ')}`;
  });

  constructor() {
    effect(() => {
      const timeline = this.timeline();
      const mode = this.mode();
      const colour = this.colour();
      this.names.names(); // a name read later relabels the legend
      untracked(() => void this.render(timeline, mode, colour));
    });
  }

  private async render(timeline: StreamTimeline | null, mode: ChartMode, colour: (b: string) => string): Promise<void> {
    if (!timeline) return;
    if (!this.chart) {
      const { Chart } = await (this.loading ??= import('./chart-setup'));
      if (this.destroyed) return;
      this.chart ??= new Chart(this.canvas().nativeElement, this.config());
      // Newer data may have come while chart.js loaded: draw the newest.
      timeline = this.timeline() ?? timeline;
      mode = this.mode();
      colour = this.colour();
    }
    const chart = this.chart;
    const series = groupSeries(timeline.series, this.keep());
    const shares = mode === 'share' ? sharePercent(series) : null;
    // A point in each bucket's middle, and the first and last values held out to the
    // range's edges, so the areas span the whole axis.
    const xs = timeline.buckets.map((b) => Math.min(b + timeline.bucket_s / 2, (b + timeline.end) / 2));
    const points = (values: number[]): Point[] =>
      values.length
        ? [{ x: timeline.start, y: values[0] }, ...values.map((y, i) => ({ x: xs[i], y })), { x: timeline.end, y: values[values.length - 1] }]
        : [];
    const known = new Map(chart.data.datasets.map((d) => [d.label, d]));
    chart.data.datasets = series.map((s, index) => {
      const data = points(shares ? shares[index] : s.seconds);
      const c = s.brand === OTHER_BRANDS ? OTHER_COLOUR : colour(s.brand);
      const label = s.brand === OTHER_BRANDS ? OTHER_BRANDS : this.names.name(s.brand);
      const dataset: ChartDataset<'line', Point[]> = known.get(label) ?? { label, data };
      Object.assign(dataset, {
        label,
        data,
        borderColor: c,
        backgroundColor: `${c}b3`,
        borderWidth: 1.5,
        pointRadius: 0,
        pointHitRadius: 6,
        // A bucket's value holds over the whole bucket: steps at its edges, no curve
        // inventing values between buckets.
        stepped: 'middle',
        fill: index === 0 ? 'origin' : '-1',
      });
      return dataset;
    });
    const scales = chart.options.scales!;
    Object.assign(scales['x']!, { min: timeline.start, max: timeline.end });
    (scales['x']!.ticks as { stepSize?: number }).stepSize = timeStep(timeline.end - timeline.start);
    Object.assign(scales['y']!, mode === 'share' ? { max: 100, suggestedMax: undefined } : { max: undefined, suggestedMax: timeline.bucket_s });
    (scales['y']!.title as { text: string }).text =
      mode === 'share' ? 'Share of voice (%)' : `Seconds per ${bucketLabel(timeline.bucket_s)}`;
    this.bucket = timeline.bucket_s;
    this.unit = mode === 'share' ? '%' : 's';
    chart.update('none');
    this.measure();
    if (!this.ready()) {
      this.ready.set(true);
      this.drawn.emit();
    }
  }

  /** The plot area's place, for the mention marks (after a draw or a resize). */
  private measure(): void {
    const chart = this.chart;
    const x = chart?.scales['x'];
    if (!chart || !x) return;
    this.geometry.set({ left: chart.chartArea.left, right: chart.chartArea.right, min: Number(x.min), max: Number(x.max) });
  }

  private bucket = 10;
  private unit = 's';

  private config(): ChartConfiguration<'line', Point[]> {
    const theme = THEMES[this.theme()];
    const font = { family: getComputedStyle(document.body).fontFamily || 'sans-serif', size: 12 };
    return {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        onResize: () => setTimeout(() => this.measure()),
        maintainAspectRatio: false,
        devicePixelRatio: this.pixelRatio(),
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false, axis: 'x' },
        layout: { padding: { top: 4, right: 8 } },
        scales: {
          x: {
            type: 'linear',
            border: { color: theme.axis },
            grid: { color: theme.grid },
            ticks: { color: theme.text, font, callback: (v) => mediaClock(Number(v)), maxRotation: 0, autoSkipPadding: 12 },
            title: { display: true, text: 'Media time (m:ss)', color: theme.text, font },
          },
          y: {
            type: 'linear',
            stacked: true,
            beginAtZero: true,
            border: { color: theme.axis },
            grid: { color: theme.grid },
            ticks: { color: theme.text, font, precision: 1 },
            title: { display: true, text: 'Seconds', color: theme.text, font },
          },
        },
        plugins: {
          legend: {
            display: true,
            position: 'top',
            align: 'start',
            labels: { color: theme.text, font, boxWidth: 12, boxHeight: 12, padding: 10 },
          },
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<'line'>[]) => {
                const x = items[0]?.parsed.x ?? 0;
                return `${mediaClock(x - this.bucket / 2)} – ${mediaClock(x + this.bucket / 2)}`;
              },
              label: (item: TooltipItem<'line'>) =>
                ` ${item.dataset.label}: ${(item.parsed.y ?? 0).toFixed(1)} ${this.unit}`,
            },
          },
        },
      },
    };
  }

  ngOnDestroy(): void {
    this.destroyed = true;
    this.chart?.destroy();
  }
}
