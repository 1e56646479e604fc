import { Component, ElementRef, OnDestroy, effect, input, viewChild } from '@angular/core';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { duration, percent } from '../brands/brand-logic';
import { BRAND_PALETTE } from '../core/design-tokens';
import type { Comparison } from './compare';

// Only what a grouped bar chart needs (chart.js is tree-shaken; this route is lazy).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export const CHART_BRANDS = 12;
const TEXT = '#e3e6ea'; // --ma-text, --ma-text-muted, --ma-border: a canvas cannot read CSS variables
const MUTED = '#9aa4af';
const GRID = '#2e3640';
const FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 12 };

/** Seconds on screen per brand (x) for each compared stream (one bar colour per stream). */
@Component({
  selector: 'ma-comparison-chart',
  template: `<div class="box"><canvas #canvas role="img" [attr.aria-label]="label()"></canvas></div>`,
  styles: `
    :host { display: block; }
    .box { position: relative; height: 320px; }
    @media (max-width: 560px) { .box { height: 280px; } }
  `,
})
export class ComparisonChartComponent implements OnDestroy {
  readonly comparison = input.required<Comparison>();
  /** brand id -> display name */
  readonly names = input<Record<string, string>>({});
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart?: Chart<'bar'>;

  constructor() {
    effect(() => this.draw(this.comparison(), this.names()));
  }

  label(): string {
    const c = this.comparison();
    return `Seconds on screen per brand, for ${c.streams.map((s) => s.name).join(', ')}`;
  }

  private draw(c: Comparison, names: Record<string, string>): void {
    const brands = c.brands.slice(0, CHART_BRANDS);
    const data = {
      labels: brands.map((b) => names[b] ?? b),
      datasets: c.streams.map((s, i) => ({
        label: s.name,
        data: s.seconds.slice(0, CHART_BRANDS),
        backgroundColor: BRAND_PALETTE[i % BRAND_PALETTE.length],
        borderRadius: 3,
        maxBarThickness: 40,
      })),
    };
    if (this.chart) {
      this.chart.data = data;
      this.chart.update();
      return;
    }
    this.chart = new Chart(this.canvas().nativeElement, {
      type: 'bar',
      data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { ticks: { color: TEXT, font: FONT }, grid: { display: false },
               title: { display: true, text: 'Brand', color: MUTED, font: FONT } },
          y: { beginAtZero: true, ticks: { color: MUTED, font: FONT }, grid: { color: GRID },
               title: { display: true, text: 'Seconds on screen (s)', color: MUTED, font: FONT } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: TEXT, font: FONT, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const s = this.comparison().streams[item.datasetIndex];
                return `${s.name}: ${duration(item.parsed.y ?? 0)} (${percent(s.share[item.dataIndex])} of its brand time)`;
              },
            },
          },
        },
      },
    });
  }

  ngOnDestroy(): void {
    this.chart?.destroy();
  }
}
