import { BrandNames } from '../core/brand-names';
import { ChangeDetectionStrategy, Component, OnDestroy, computed, effect, inject, input, output, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatTooltipModule } from '@angular/material/tooltip';
import { AnalystApi, AnalystSummary, StreamTimeline } from '../core/api.service';
import { StreamsService } from '../core/streams.service';
import { ResultsStore } from '../results/results-store';
import { emptyBrandsReason } from '../results/warnings';
import { AppearanceListComponent, HeldRange } from './appearance-list.component';
import { saveBlob } from './download';
import { EvidenceCache } from './evidence';
import {
  Filters,
  NO_FILTERS,
  brandTotals,
  bucketFor,
  bucketLabel,
  downloadName,
  durationLabel,
  exportPath,
  filtersActive,
  mediaClock,
  mentionPoints,
  reportQueryParams,
  select,
} from './exposure';
import { AnalystFiltersComponent } from './filters.component';
import { HeatmapComponent } from './heatmap.component';
import { SourceChipComponent } from '../ui/source-chip.component';
import { ChartMode, SovChartComponent } from './sov-chart.component';

/** The API lists at most this many appearances in a summary (functions/api/streams.py). */
const SUMMARY_LIMIT = 1000;
/** Live refreshes at most this often (a segment is analysed every ~2 s). */
const MIN_REFRESH_MS = 2500;
/** A last read this long after the newest segment landed. */
const SETTLE_MS = 4000;

/**
 * What a brand analyst reads from one stream: share of voice over time, brand totals, each
 * appearance with its evidence frame (click: play it), where on screen the brands were, all
 * under one set of filters that the CSV exports and the report carry too. Reads the API
 * (`/summary`, `/timeline`) and refreshes as the stream's segments are analysed (the
 * injected ResultsStore's listener says when).
 */
@Component({
  selector: 'ma-analyst',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, MatButtonModule, MatButtonToggleModule, MatTooltipModule, AnalystFiltersComponent, SovChartComponent,
            AppearanceListComponent, HeatmapComponent, SourceChipComponent],
  providers: [EvidenceCache],
  template: `
    <header class="top">
      <div>
        <h2>Brand exposure</h2>
        <p class="scope" data-testid="analyst-scope">{{ scope() }}</p>
      </div>
      <!-- Nothing to export before the first appearance: the buttons wait, and say why. -->
      <div class="exports" role="group" aria-label="Export" data-testid="exports" [attr.data-ready]="!nothingYet()"
           [matTooltip]="nothingYet() ? exportsWait : ''">
        <button mat-stroked-button type="button" (click)="download('appearances.csv')" [disabled]="!!busy() || nothingYet()"
                data-testid="export-appearances">{{ busy() === 'appearances.csv' ? 'Preparing…' : 'Appearances CSV' }}</button>
        <button mat-stroked-button type="button" (click)="download('brands.csv')" [disabled]="!!busy() || nothingYet()"
                data-testid="export-brands">{{ busy() === 'brands.csv' ? 'Preparing…' : 'Brand totals CSV' }}</button>
        <a mat-flat-button [routerLink]="['/streams', streamId(), 'report']" [queryParams]="reportParams()" [disabled]="nothingYet()"
           data-testid="export-report">Report</a>
        @if (nothingYet()) { <span class="sr-only">{{ exportsWait }}</span> }
      </div>
    </header>

    <div class="kpis">
      <div class="kpi"><span class="value" data-testid="kpi-brands">{{ totals().length }}</span><span>brands seen</span></div>
      <div class="kpi"><span class="value" data-testid="kpi-seconds">{{ duration(brandSeconds()) }}</span><span>screen time, all brands</span></div>
      <div class="kpi"><span class="value" data-testid="kpi-appearances">{{ screenAppearances() }}</span><span>appearances on screen</span></div>
      <div class="kpi"><span class="value" data-testid="kpi-mentions">{{ mentionCount() }}</span><span>spoken mentions</span></div>
      <div class="kpi"><span class="value">{{ duration(analysed()) }}</span><span>analysed</span></div>
    </div>

    <ma-analyst-filters class="card" [filters]="filters()" [brands]="brandIds()" [colour]="colour()" [maxTime]="maxTime()"
                        (changed)="filters.set($event)" />
    @if (error()) { <p class="error-text" role="alert">{{ error() }}</p> }
    @if (filters().sources.length) {
      <p class="note" data-testid="source-filter-note">“Found by” applies to the totals, the appearances, the heat map, the spoken-mention marks, the CSV exports and the report; the chart's areas count logo and text together.</p>
    }
    @if (truncated()) {
      <p class="note">Showing the first {{ limit }} appearances of this stream; the CSV exports and the report hold them all.</p>
    }

    <div class="row">
      <section class="card chart" aria-labelledby="sov-title">
        <div class="card-head">
          <h3 id="sov-title">Share of voice over time</h3>
          <mat-button-toggle-group [value]="mode()" (change)="mode.set($event.value)" aria-label="Chart values"
                                   hideSingleSelectionIndicator>
            <mat-button-toggle value="seconds">Seconds</mat-button-toggle>
            <mat-button-toggle value="share">Share %</mat-button-toggle>
          </mat-button-toggle-group>
        </div>
        <p class="sub chart-sub">{{ chartCaption() }}</p>
        <ma-sov-chart [timeline]="chartTimeline()" [colour]="colour()" [mode]="mode()" height="280px" [emptyText]="emptyText()"
                      [mentions]="mentions()" (seek)="seek.emit($event)" />
      </section>
      <section class="card totals" aria-labelledby="totals-title">
        <h3 id="totals-title">Brand totals</h3>
        <div class="table-scroll"><table data-testid="brand-totals">
          <thead><tr><th>Brand</th><th class="num">On screen</th><th class="num">Share</th><th class="num">Said</th><th class="num">Appear.</th><th class="num">Conf.</th></tr></thead>
          <tbody>
            @for (t of totals(); track t.brand) {
              <tr [attr.data-brand]="t.brand">
                <td [title]="names.name(t.brand)"><span class="swatch" [style.background]="colour()(t.brand)"></span>{{ names.name(t.brand) }}
                  @if (t.textSeconds > 0) {
                    <span class="split" data-testid="total-split">
                      @if (t.logoSeconds > 0) {
                        <ma-source source="logo" [value]="t.logoSeconds.toFixed(1) + ' s'" hint="Seconds its logo was on screen" />
                      }
                      <ma-source source="text" [value]="t.textSeconds.toFixed(1) + ' s'" hint="Seconds its name was written on screen"
                                 data-testid="total-text-seconds" />
                    </span>
                  }
                </td>
                <td class="num" data-testid="total-seconds">{{ t.seconds || !t.mentions ? t.seconds.toFixed(1) + ' s' : '–' }}</td>
                <td class="num share">@if (t.seconds) {<span class="bar"><span [style.width.%]="t.shareOfVoice * 100" [style.background]="colour()(t.brand)"></span></span>{{ percent(t.shareOfVoice) }}} @else {–}</td>
                <td class="num" data-testid="total-mentions">{{ t.mentions ? '×' + t.mentions : '–' }}</td>
                <td class="num">{{ t.appearances }}</td>
                <td class="num">{{ t.meanConfidence === null ? '–' : percent(t.meanConfidence) }}</td>
              </tr>
            } @empty {
              <tr><td colspan="6" class="empty" data-testid="totals-empty">{{ emptyText() }}</td></tr>
            }
          </tbody>
        </table></div>
        <p class="foot">On screen: its logo or its name written in the frame (a moment seen both ways counts once). Share: of all
          brands' on-screen seconds in range. Said: times said aloud. Conf.: mean best-detection confidence.</p>
      </section>
    </div>

    <div class="row">
      <section class="card list" aria-labelledby="appearances-title" data-testid="appearances">
        <h3 id="appearances-title">Appearances</h3>
        <p class="sub">Each with its clearest frame as evidence; click one to play it.</p>
        <ma-appearance-list [appearances]="kept()" [totals]="totals()" [colour]="colour()" [held]="held()"
                            [emptyText]="emptyText()" (seek)="seek.emit($event)" />
      </section>
      <section class="card heat" aria-labelledby="heat-title">
        <h3 id="heat-title">Screen position</h3>
        <ma-heatmap [appearances]="appearances()" [filters]="filters()" [brands]="shownBrands()" [colour]="colour()" />
      </section>
    </div>
  `,
  styles: `
    :host { display: grid; gap: var(--ma-space-3); }
    .top { display: flex; align-items: flex-end; justify-content: space-between; gap: var(--ma-space-3); flex-wrap: wrap; }
    h2 { margin: 0; font-size: var(--ma-text-xl); }
    h3 { margin: 0; font-size: var(--ma-text-lg); }
    .scope { margin: 2px 0 0; color: var(--ma-text-muted); font-size: var(--ma-text-sm); }
    .exports { display: flex; gap: var(--ma-space-2); flex-wrap: wrap; }
    .card { background: var(--ma-surface); border: 1px solid var(--ma-border); border-radius: var(--ma-radius);
            padding: var(--ma-space-3) var(--ma-space-4); min-width: 0; }
    .note { margin: 0; color: var(--ma-warn); font-size: var(--ma-text-sm); }
    .kpis { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: var(--ma-space-3); }
    .kpi { background: var(--ma-surface); border: 1px solid var(--ma-border); border-radius: var(--ma-radius);
           padding: var(--ma-space-2) var(--ma-space-4); display: flex; flex-direction: column; font-size: var(--ma-text-sm);
           color: var(--ma-text-muted); }
    .kpi .value { font-size: var(--ma-text-xxl); font-weight: 600; color: var(--ma-text); font-variant-numeric: tabular-nums;
                  line-height: 1.2; white-space: nowrap; }
    .row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(300px, 1fr); gap: var(--ma-space-3); align-items: start; }
    .card-head { display: flex; justify-content: space-between; align-items: center; gap: var(--ma-space-2); margin-bottom: var(--ma-space-2);
                 flex-wrap: wrap; }
    .chart-sub { margin-top: calc(-1 * var(--ma-space-2)); }
    .sub { margin: 2px 0 var(--ma-space-3); color: var(--ma-text-muted); font-size: var(--ma-text-sm); }
    table { width: 100%; border-collapse: collapse; font-size: var(--ma-text-sm); margin-top: var(--ma-space-2); }
    th { text-align: left; font-weight: 500; color: var(--ma-text-muted); font-size: var(--ma-text-xs); padding: 4px 0;
         border-bottom: 1px solid var(--ma-border); }
    td { padding: 6px 0; border-bottom: 1px solid var(--ma-border); }
    /* The name takes what the figures leave and ends in "…" (full name on hover), so a long
       brand name never widens the page; the table scrolls inside its card if it must. */
    .table-scroll { overflow-x: auto; }
    td:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 0; width: 100%; min-width: 90px; }
    td .split { display: flex; flex-wrap: wrap; gap: 2px; margin-top: 2px; }
    .num { text-align: right; padding-left: var(--ma-space-2); white-space: nowrap; font-variant-numeric: tabular-nums; }
    td.share .bar { display: inline-block; width: 40px; height: 6px; border-radius: 3px; background: var(--ma-surface-2);
                    overflow: hidden; vertical-align: middle; margin-right: var(--ma-space-2); }
    td.share .bar span { display: block; height: 100%; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: var(--ma-space-2); }
    td.empty { color: var(--ma-text-muted); white-space: normal; max-width: none; overflow: visible; text-overflow: clip;
               padding: var(--ma-space-3) 0; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
    .foot { margin: var(--ma-space-2) 0 0; font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
    @media (max-width: 1100px) { .row { grid-template-columns: minmax(0, 1fr); } }
    @media (max-width: 600px) {
      .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: var(--ma-space-2); }
      .kpi:last-child { grid-column: 1 / -1; }
      .kpi .value { font-size: var(--ma-text-xl); }
      .card { padding: var(--ma-space-3); }
      .exports { width: 100%; }
      .exports > * { flex: 1 1 auto; }
      /* Every column on a phone: the share's number without its bar, closer columns. */
      td.share .bar { display: none; }
      .num { padding-left: 6px; }
      td:first-child { min-width: 72px; }
    }
  `,
})
export class AnalystViewComponent implements OnDestroy {
  /** Brand names for ids (the id for a brand the library does not know). */
  readonly names = inject(BrandNames);
  readonly streamId = input.required<string>();
  /** Media range the player holds: appearances outside it cannot be played. */
  readonly held = input<HeldRange | null>(null);
  /** Play from this media time. */
  readonly seek = output<number>();

  private readonly store = inject(ResultsStore);
  private readonly api = inject(AnalystApi);
  private readonly streams = inject(StreamsService);

  readonly limit = SUMMARY_LIMIT;
  readonly filters = signal<Filters>(NO_FILTERS);
  readonly mode = signal<ChartMode>('seconds');
  readonly summary = signal<AnalystSummary | null>(null);
  readonly timeline = signal<StreamTimeline | null>(null);
  readonly error = signal('');
  readonly busy = signal('');

  readonly appearances = computed(() => this.summary()?.appearances ?? []);
  /** No appearance in the stream yet: nothing to export. */
  readonly nothingYet = computed(() => !this.appearances().length);
  readonly exportsWait = 'Exports open once a brand has appeared in this stream.';
  readonly truncated = computed(() => this.appearances().length >= SUMMARY_LIMIT);
  /** Every brand of the stream, most seconds first (what the filters offer). */
  readonly brandIds = computed(() => brandTotals(this.appearances(), NO_FILTERS).map((t) => t.brand));
  /** Brand colours: each brand's own in the library, as on every page. */
  readonly colour = inject(BrandNames).colour;
  readonly kept = computed(() => select(this.appearances(), this.filters()));
  readonly totals = computed(() => brandTotals(this.appearances(), this.filters()));
  readonly shownBrands = computed(() => this.totals().map((t) => t.brand));
  readonly brandSeconds = computed(() => this.totals().reduce((s, t) => s + t.seconds, 0));
  readonly screenAppearances = computed(() => this.totals().reduce((s, t) => s + t.appearances, 0));
  readonly mentionCount = computed(() => this.totals().reduce((s, t) => s + t.mentions, 0));
  /** The chart's areas: none when only spoken mentions are asked for (they have no screen
   *  seconds; the API's timeline cannot tell logo seconds from text seconds). */
  readonly chartTimeline = computed(() => {
    const t = this.timeline();
    const sources = this.filters().sources;
    return t && sources.length && sources.every((s) => s === 'speech') ? { ...t, series: [] } : t;
  });
  /** Spoken mentions the filters keep: points under the chart. */
  readonly mentions = computed(() => mentionPoints(this.appearances(), this.filters()));
  readonly analysed = computed(() => this.store.stream()?.analysed_seconds ?? this.summary()?.analysed_seconds ?? 0);
  /** Where analysis has reached, media s: the newest analysed segment's end. */
  readonly analysedEnd = computed(() => {
    let end = 0;
    for (const s of this.store.segments()) {
      if (s.status === 'done' && s.media_start !== null && s.media_start !== undefined) {
        end = Math.max(end, s.media_start + (s.duration ?? 2));
      }
    }
    for (const a of this.appearances()) end = Math.max(end, a.end);
    return end;
  });
  readonly maxTime = computed(() => Math.max(1, Math.ceil(this.analysedEnd())));
  readonly reportParams = computed(() => reportQueryParams(this.filters()));
  readonly chartCaption = computed(() => {
    const per = bucketLabel(this.timeline()?.bucket_s ?? 2);
    return this.mode() === 'share'
      ? `Each brand's share of the brands' on-screen seconds in every ${per} of video.`
      : `Seconds each brand was on screen in every ${per} of video, stacked.`;
  });
  readonly scope = computed(() => {
    const f = this.filters();
    const parts = [
      f.brands.length ? f.brands.map((b) => this.names.name(b)).join(', ') : 'all brands',
      f.start === null && f.end === null ? `0:00 – ${mediaClock(this.analysedEnd())} (whole stream)` : `${mediaClock(f.start ?? 0)} – ${f.end === null ? mediaClock(this.analysedEnd()) : mediaClock(f.end)}`,
      f.minConfidence === null ? 'any confidence' : `confidence ≥ ${this.percent(f.minConfidence)}`,
    ];
    const live = this.store.stream()?.status === 'live' ? ' · updating live' : '';
    return parts.join(' · ') + live;
  });
  /** Why nothing is listed: the filters, or the stream's own state (honest: analysis off…). */
  readonly emptyText = computed(() => {
    if (!this.summary()) return 'Loading…';
    if (this.appearances().length && filtersActive(this.filters())) return 'No appearance matches these filters.';
    return emptyBrandsReason(
      this.store.stream(),
      this.store.latest(),
      this.store.warnings(),
      this.streams.librarySize(),
      this.store.segments().filter((s) => s.status === 'done').length,
    );
  });

  /** Changes when a segment's analysis lands (or the stream starts/ends). */
  private readonly version = computed(() => {
    const done = this.store.segments().filter((s) => s.status === 'done');
    return `${done.length}:${done.at(-1)?.seq ?? -1}:${this.store.stream()?.status ?? ''}`;
  });

  private pending = { summary: false, timeline: false };
  private timer?: ReturnType<typeof setTimeout>;
  private settle?: ReturnType<typeof setTimeout>;
  private running = false;
  private lastRun = 0;
  private destroyed = false;

  readonly duration = durationLabel;

  constructor() {
    void this.names.refresh(); // a brand renamed since: its new name
    effect(() => {
      this.streamId();
      untracked(() => {
        this.summary.set(null);
        this.timeline.set(null);
        this.filters.set(NO_FILTERS);
        this.schedule(true, 0);
      });
    });
    effect(() => {
      this.version();
      untracked(() => {
        this.schedule(true, 0);
        // Appearances are written just after their segment's result: read once more when
        // things have settled, or the last segment's part would be missing until the next.
        clearTimeout(this.settle);
        this.settle = setTimeout(() => this.schedule(true, 0), SETTLE_MS);
      });
    });
    effect(() => {
      this.filters();
      untracked(() => this.schedule(false, 200));
    });
  }

  percent(v: number): string {
    return `${Math.round(v * 100)}%`;
  }

  /** Fetch again: new data (summary and timeline, at most every MIN_REFRESH_MS) or new
   *  filters (the timeline, soon). Calls never overlap; what comes meanwhile runs next. */
  private schedule(summary: boolean, delay: number): void {
    this.pending.timeline = true;
    if (summary) this.pending.summary = true;
    if (this.running || this.destroyed) return;
    clearTimeout(this.timer);
    const wait = this.pending.summary ? Math.max(delay, this.lastRun + MIN_REFRESH_MS - Date.now()) : delay;
    this.timer = setTimeout(() => void this.run(), Math.max(0, wait));
  }

  private async run(): Promise<void> {
    this.running = true;
    const { summary, timeline } = this.pending;
    this.pending = { summary: false, timeline: false };
    if (summary) this.lastRun = Date.now();
    const id = this.streamId();
    const filters = this.filters();
    try {
      const [s, t] = await Promise.all([
        summary ? this.api.summary(id) : null,
        timeline ? this.api.timeline(this.timelinePath(id, filters)) : null,
      ]);
      if (id !== this.streamId() || this.destroyed) return;
      if (s) this.summary.set(s);
      if (t && filters === this.filters()) this.timeline.set(t);
      this.error.set('');
    } catch (e) {
      this.error.set(`Cannot read this stream's exposure: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.running = false;
      if (this.pending.summary || this.pending.timeline) this.schedule(this.pending.summary, 0);
    }
  }

  private timelinePath(id: string, f: Filters): string {
    const span = (f.end ?? Math.max(this.analysedEnd(), 1)) - (f.start ?? 0);
    return exportPath(id, 'timeline', f, { bucket_s: String(bucketFor(span)) });
  }

  async download(kind: 'appearances.csv' | 'brands.csv'): Promise<void> {
    const id = this.streamId();
    this.busy.set(kind);
    try {
      saveBlob(await this.api.blob(exportPath(id, kind, this.filters())), downloadName(id, kind));
    } catch (e) {
      this.error.set(`Cannot export ${kind}: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.busy.set('');
    }
  }

  ngOnDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    clearTimeout(this.settle);
  }
}
