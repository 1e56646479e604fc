import { BrandNames } from '../core/brand-names';
import { Component, ViewEncapsulation, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { EvidenceCache, EvidenceComponent } from '../analyst/evidence';
import { saveBlob } from '../analyst/download';
import {
  Appearance,
  Filters,
  NO_FILTERS,
  brandTotals,
  bucketFor,
  durationLabel,
  exportPath,
  filtersActive,
  filtersFromQuery,
  mediaClock,
  select,
} from '../analyst/exposure';
import { SovChartComponent } from '../analyst/sov-chart.component';
import { AnalystApi, AnalystSummary, StreamTimeline } from '../core/api.service';
import { StreamsService } from '../core/streams.service';
import { displayName } from '../streams/stream-actions';
import { IconComponent } from '../ui/icon.component';

/** What fits one A4 page with the chart and thumbnails; brands.csv has every brand. */
const TABLE_ROWS = 10;
const THUMBNAILS = 10;

/**
 * `#/streams/:id/report` (lazy): one print-ready A4 page of a stream's brand exposure, with
 * the analyst view's filters (query parameters `brand`, `start`, `end`, `min_confidence`):
 * brands with seconds, appearances and share of voice, the share of voice over time, each
 * brand's clearest evidence frame, when it was made. "Print or save as PDF" prints just
 * the page (no app chrome, one A4 sheet); the API's own HTML report is a link away.
 * `data-ready` on the page says everything (chart, thumbnails) has been drawn.
 */
@Component({
  selector: 'ma-report',
  encapsulation: ViewEncapsulation.None, // @page and the app chrome's print rules are global
  imports: [RouterLink, MatButtonModule, IconComponent, SovChartComponent, EvidenceComponent],
  providers: [EvidenceCache],
  template: `
    <div class="ma-report">
      <div class="tools no-print">
        <a mat-button [routerLink]="['/streams', id()]"><ma-icon name="back" [size]="18" /> Back to the stream</a>
        <span class="spacer"></span>
        <button mat-stroked-button type="button" (click)="openApiReport()" data-testid="api-report">API report (HTML)</button>
        <button mat-flat-button type="button" (click)="print()" data-testid="print-report"><ma-icon name="print" [size]="18" /> Print or save as PDF</button>
      </div>
      @if (error()) { <p class="error-text no-print" role="alert">{{ error() }}</p> }
      <article class="page" data-testid="report" [attr.data-ready]="ready()">
        <header>
          <div class="title">
            <h1>Brand exposure report</h1>
            <p class="name" data-testid="report-stream">{{ name() }}</p>
          </div>
          <dl class="meta">
            <div><dt>Stream</dt><dd>{{ status() }}</dd></div>
            <div><dt>Period</dt><dd data-testid="report-period">{{ period() }}</dd></div>
            <div><dt>Media time</dt><dd>{{ range() }}</dd></div>
            <div><dt>Analysed</dt><dd data-testid="report-analysed">{{ analysed() }}</dd></div>
            <div><dt>Filters</dt><dd>{{ filterText() }}</dd></div>
          </dl>
        </header>

        <section class="kpis">
          <div><b>{{ totals().length }}</b><span>brands seen</span></div>
          <div><b>{{ duration(brandSeconds()) }}</b><span>screen time, all brands</span></div>
          <div><b>{{ appearanceCount() }}</b><span>appearances</span></div>
          <div><b>{{ topBrand() }}</b><span>most seen</span></div>
        </section>

        <section>
          <h2>Brands</h2>
          <div class="table-wrap">
          <table data-testid="report-brands">
            <thead><tr><th>Brand</th><th class="num">On screen</th><th class="num">Appearances</th><th class="num">Said</th><th class="share">Share of voice</th>
              <th class="num">First – last seen</th><th class="num">Mean conf.</th></tr></thead>
            <tbody>
              @for (t of table(); track t.brand) {
                <tr [attr.data-brand]="t.brand">
                  <td><span class="swatch" [style.background]="colour()(t.brand)"></span>{{ names.name(t.brand) }}</td>
                  <td class="num" data-testid="report-seconds">{{ t.seconds.toFixed(1) }} s</td>
                  <td class="num">{{ t.appearances }}</td>
                  <td class="num" data-testid="report-mentions">{{ t.mentions ? '×' + t.mentions : '–' }}</td>
                  <td class="share"><span class="bar"><span [style.width.%]="t.shareOfVoice * 100" [style.background]="colour()(t.brand)"></span></span>
                    {{ percent(t.shareOfVoice) }}</td>
                  <td class="num">{{ clock(t.firstSeen) }} – {{ clock(t.lastSeen) }}</td>
                  <td class="num">{{ t.meanConfidence === null ? '–' : percent(t.meanConfidence) }}</td>
                </tr>
              } @empty {
                <tr><td colspan="7" class="none">{{ summary() ? 'No brand was on screen in this range.' : 'Loading…' }}</td></tr>
              }
            </tbody>
          </table>
          </div>
          @if (moreBrands()) { <p class="small">{{ moreBrands() }} more brand{{ moreBrands() === 1 ? '' : 's' }} in the Brand totals CSV.</p> }
        </section>

        <section>
          <h2>Share of voice over time</h2>
          <ma-sov-chart [timeline]="timeline()" [colour]="colour()" theme="paper" height="48mm" [pixelRatio]="3"
                        (drawn)="chartDrawn.set(true)" emptyText="No brand was on screen in this range." />
        </section>

        <section>
          <h2>Evidence</h2>
          <div class="thumbs">
            @for (e of evidence(); track e.brand) {
              <figure>
                <ma-evidence [path]="e.evidence" [eager]="true" [alt]="'Evidence: ' + names.name(e.brand) + ' at ' + clock(e.best_frame_t ?? e.start)"
                             (loaded)="imageDone(e.brand)" />
                <figcaption><b>{{ names.name(e.brand) }}</b>
                  <span>{{ clock(e.start) }} – {{ clock(e.end) }}@if (e.best_score !== null) { · {{ percent(e.best_score) }} }</span></figcaption>
              </figure>
            } @empty {
              <p class="small">{{ summary() ? 'No evidence frame stored for this range.' : '' }}</p>
            }
          </div>
        </section>

        <footer>
          <span data-testid="report-generated">Generated {{ generated() }} by Media Analyzer</span>
          <span>Stream {{ id() }} · seconds: a brand on screen, by its logo or its name read in the frame (once when both); said: times its name was spoken; share of voice: of all brands' seconds on screen</span>
        </footer>
      </article>
    </div>
  `,
  styles: `
    .ma-report .tools { display: flex; align-items: center; gap: var(--ma-space-2); margin: 0 auto var(--ma-space-4); max-width: 210mm;
                        flex-wrap: wrap; }
    .ma-report .spacer { flex: 1; }
    .ma-report .page { background: #fff; color: #1a1a1a; width: 210mm; max-width: 100%; min-height: 297mm; margin: 0 auto;
                       padding: 10mm; box-sizing: border-box; font: 12px/1.4 var(--ma-font); box-shadow: 0 2px 16px rgba(0,0,0,0.4); }
    .ma-report .page header { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 6mm; border-bottom: 2px solid #1a1a1a;
                              padding-bottom: 3mm; }
    .ma-report h1 { margin: 0; font-size: 20px; }
    .ma-report .name { margin: 1mm 0 0; font-size: 15px; font-weight: 600; color: #333; }
    .ma-report .meta { margin: 0; display: grid; grid-template-columns: auto auto; gap: 0 3mm; font-size: 11px; }
    .ma-report .meta div { display: contents; }
    .ma-report .meta dt { color: #666; }
    .ma-report .meta dd { margin: 0; font-weight: 500; }
    .ma-report .kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 3mm; margin: 3mm 0 0; }
    .ma-report .kpis div { border: 1px solid #ddd; border-radius: 2mm; padding: 1.5mm 3mm; display: flex; flex-direction: column; min-width: 0; }
    .ma-report .kpis b { font-size: 18px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .ma-report .kpis span { color: #666; font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .ma-report h2 { font-size: 12px; margin: 3.5mm 0 1mm; text-transform: uppercase; letter-spacing: 0.05em; color: #333; }
    .ma-report .table-wrap { overflow-x: auto; }
    .ma-report table { width: 100%; border-collapse: collapse; font-size: 11.5px; }
    .ma-report th { text-align: left; font-weight: 600; color: #555; border-bottom: 1px solid #999; padding: 1mm 0; font-size: 10.5px; }
    .ma-report td { border-bottom: 1px solid #e4e4e4; padding: 0.7mm 0; }
    .ma-report .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; padding-left: 3mm; }
    .ma-report .share { padding-left: 4mm; white-space: nowrap; font-variant-numeric: tabular-nums; }
    .ma-report .share .bar { display: inline-block; width: 28mm; height: 2.5mm; background: #eee; border-radius: 1mm; overflow: hidden;
                             vertical-align: middle; margin-right: 2mm; }
    .ma-report .share .bar span { display: block; height: 100%; }
    .ma-report td:first-child { white-space: nowrap; max-width: 60mm; overflow: hidden; text-overflow: ellipsis; }
    .ma-report .swatch { display: inline-block; width: 3mm; height: 3mm; border-radius: 0.6mm; margin-right: 2mm; vertical-align: -0.3mm; }
    .ma-report .none, .ma-report .small { color: #666; font-size: 11px; margin: 1mm 0 0; }
    .ma-report .thumbs { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 2.5mm; }
    .ma-report figure { margin: 0; break-inside: avoid; }
    .ma-report figure ma-evidence { border-radius: 1mm; background: #ddd; }
    .ma-report figcaption { font-size: 10px; margin-top: 0.8mm; color: #333; line-height: 1.25; }
    .ma-report figcaption b, .ma-report figcaption span { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .ma-report footer { display: flex; justify-content: space-between; gap: 1mm 4mm; flex-wrap: wrap; margin-top: 3mm; padding-top: 1.5mm;
                        border-top: 1px solid #ccc; font-size: 10px; color: #666; }
    /* Narrow screens only: printing lays the page out 190 mm (~720 px) wide, A4's layout. */
    @media screen and (max-width: 820px) {
      .ma-report .page { width: 100%; min-height: 0; padding: 5mm; }
      .ma-report .page header { grid-template-columns: minmax(0, 1fr); }
      .ma-report .kpis { grid-template-columns: repeat(2, 1fr); }
      .ma-report .thumbs { grid-template-columns: repeat(3, minmax(0, 1fr)); }
      .ma-report .share .bar { width: 12mm; }
    }
    @media print {
      @page { size: A4; margin: 10mm; }
      main:has(.ma-report) { padding: 0 !important; max-width: none !important; }
      /* The shell fills the window (min-height: 100vh): on paper that is exactly one page,
         and any line after it would start a blank second one. */
      ma-root:has(.ma-report) { min-height: 0 !important; }
      .ma-report .page { width: auto; min-height: 0; padding: 0; box-shadow: none; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
    }
  `,
})
export class ReportComponent {
  /** Brand names for ids (the id for a brand the library does not know). */
  readonly names = inject(BrandNames);
  readonly id = input.required<string>();
  private readonly route = inject(ActivatedRoute);
  private readonly api = inject(AnalystApi);
  private readonly streams = inject(StreamsService);
  private readonly query = toSignal(this.route.queryParamMap);

  readonly filters = computed(() => {
    const q = this.query();
    return q ? filtersFromQuery((n) => q.get(n), (n) => q.getAll(n)) : NO_FILTERS;
  });
  readonly summary = signal<AnalystSummary | null>(null);
  readonly timeline = signal<StreamTimeline | null>(null);
  readonly error = signal('');
  readonly generated = signal('');
  readonly chartDrawn = signal(false);
  private readonly imagesDone = signal<ReadonlySet<string>>(new Set());

  readonly stream = computed(() => this.streams.streams().find((s) => s.id === this.id()) ?? null);
  readonly name = computed(() => {
    const s = this.stream();
    return s ? displayName(s) : this.id();
  });
  private readonly appearances = computed<Appearance[]>(() => this.summary()?.appearances ?? []);
  readonly totals = computed(() => brandTotals(this.appearances(), this.filters()));
  readonly table = computed(() => this.totals().slice(0, TABLE_ROWS));
  readonly moreBrands = computed(() => Math.max(0, this.totals().length - TABLE_ROWS));
  readonly brandSeconds = computed(() => this.totals().reduce((s, t) => s + t.seconds, 0));
  readonly appearanceCount = computed(() => this.totals().reduce((s, t) => s + t.appearances, 0));
  readonly topBrand = computed(() => (this.totals()[0] ? this.names.name(this.totals()[0].brand) : '–'));
  /** Brand colours: each brand's own in the library, as on every page. */
  readonly colour = inject(BrandNames).colour;
  /** Each brand's clearest appearance with a stored frame (the top brands). */
  readonly evidence = computed(() => {
    const kept = select(this.appearances(), this.filters());
    const out: Appearance[] = [];
    for (const t of this.totals()) {
      const framed = kept.filter((a) => a.brand === t.brand && a.evidence);
      if (!framed.length) continue;
      out.push(framed.reduce((best, a) => ((a.best_score ?? 0) > (best.best_score ?? 0) ? a : best)));
      if (out.length === THUMBNAILS) break;
    }
    return out;
  });
  readonly ready = computed(() => {
    if (!this.summary() || !this.timeline()) return false;
    const chart = this.chartDrawn() || !this.timeline()!.series.length;
    const done = this.imagesDone();
    return chart && this.evidence().every((e) => done.has(e.brand));
  });

  readonly status = computed(() => {
    const s = this.stream();
    return s ? ({ live: 'Live (still publishing)', idle: 'Idle', ended: 'Ended' } as const)[s.status] : '–';
  });
  readonly period = computed(() => {
    const s = this.stream();
    const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    if (!s?.live_since) return s?.created_at ? `created ${when.format(s.created_at)}` : '–';
    return `${when.format(s.live_since)} – ${s.ended_at && s.ended_at >= s.live_since ? when.format(s.ended_at) : 'now'}`;
  });
  readonly range = computed(() => {
    const t = this.timeline();
    if (!t) return '–';
    return `${mediaClock(t.start)} – ${mediaClock(t.end)}`;
  });
  readonly analysed = computed(() => {
    const seconds = this.summary()?.analysed_seconds ?? this.stream()?.analysed_seconds;
    return seconds === undefined ? '–' : `${durationLabel(seconds)} of video (whole stream)`;
  });
  readonly filterText = computed(() => {
    const f = this.filters();
    if (!filtersActive(f)) return 'none (all brands, whole stream)';
    const parts = [];
    if (f.brands.length) parts.push(f.brands.map((b) => this.names.name(b)).join(', '));
    if (f.start !== null || f.end !== null) parts.push(`${mediaClock(f.start ?? 0)} – ${f.end === null ? 'end' : mediaClock(f.end)}`);
    if (f.minConfidence !== null) parts.push(`confidence ≥ ${this.percent(f.minConfidence)}`);
    if (f.sources.length) parts.push(`found by ${f.sources.join(', ')}`);
    return parts.join('; ');
  });

  readonly clock = mediaClock;
  readonly duration = durationLabel;

  constructor() {
    void this.names.refresh(); // a brand renamed since: its new name
    effect(() => {
      const id = this.id();
      const filters = this.filters();
      untracked(() => void this.load(id, filters));
    });
  }

  private async load(id: string, filters: Filters): Promise<void> {
    this.error.set('');
    this.chartDrawn.set(false);
    this.imagesDone.set(new Set());
    try {
      const summary = await this.api.summary(id);
      const end = filters.end ?? Math.max(1, ...summary.appearances.map((a) => a.end));
      const bucket = bucketFor(end - (filters.start ?? 0));
      const timeline = await this.api.timeline(exportPath(id, 'timeline', filters, { bucket_s: String(bucket) }));
      if (id !== this.id()) return;
      this.summary.set(summary);
      this.timeline.set(timeline);
      this.generated.set(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date()));
    } catch (e) {
      this.error.set(`Cannot read this stream's exposure: ${e instanceof Error ? e.message : e}`);
    }
  }

  percent(v: number): string {
    return `${Math.round(v * 100)}%`;
  }

  imageDone(brand: string): void {
    this.imagesDone.update((done) => new Set(done).add(brand));
  }

  print(): void {
    window.print();
  }

  /** The API's standalone HTML report (same filters) in a new tab; it needs the user's
   *  credential, so it is fetched and shown from memory (saved as a file if the browser
   *  blocks the tab). */
  async openApiReport(): Promise<void> {
    const tab = window.open('', '_blank');
    try {
      const blob = await this.api.blob(exportPath(this.id(), 'report', this.filters()));
      const html = new Blob([blob], { type: 'text/html' });
      if (tab) tab.location.href = URL.createObjectURL(html);
      else saveBlob(html, `${this.id()}-report.html`);
    } catch (e) {
      tab?.close();
      this.error.set(`Cannot open the API's report: ${e instanceof Error ? e.message : e}`);
    }
  }
}
