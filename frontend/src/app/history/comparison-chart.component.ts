import { Component, ElementRef, OnDestroy, effect, input, viewChild } from '@angular/core';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { duration, percent } from '../brands/brand-logic';
import type { Comparison } from './compare';

// Only what a grouped bar chart needs (chart.js is tree-shaken; this route is lazy).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export const CHART_BRANDS = 12;
const TEXT = '#e3e6ea'; // --ma-text, --ma-text-muted, --ma-border: a canvas cannot read CSS variables
const MUTED = '#9aa4af';
const GRID = '#2e3640';
const FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 12 };

/** Seconds on screen per stream (x), one bar per brand in the brand's colour (the same as in
 *  the list and the rest of the app). */
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
  /** brand id -> colour */
  readonly colors = input<Record<string, string>>({});
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart?: Chart<'bar'>;

  constructor() {
    effect(() => this.draw(this.comparison(), this.names(), this.colors()));
  }

  label(): string {
    const c = this.comparison();
    return `Seconds on screen per brand, for ${c.streams.map((s) => s.name).join(', ')}`;
  }

  private draw(c: Comparison, names: Record<string, string>, colors: Record<string, string>): void {
    const data = {
      labels: c.streams.map((s) => s.name),
      datasets: c.brands.slice(0, CHART_BRANDS).map((brand, b) => ({
        label: names[brand] || brand,
        data: c.streams.map((s) => s.seconds[b]),
        backgroundColor: colors[brand] ?? MUTED,
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
               title: { display: true, text: 'Stream', color: MUTED, font: FONT } },
          y: { beginAtZero: true, ticks: { color: MUTED, font: FONT }, grid: { color: GRID },
               title: { display: true, text: 'Seconds on screen (s)', color: MUTED, font: FONT } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: TEXT, font: FONT, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const s = this.comparison().streams[item.dataIndex];
                const share = percent(s.share[item.datasetIndex]);
                return `${item.dataset.label}: ${duration(item.parsed.y ?? 0)} (${share} share of voice)`;
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
