import { Component, ElementRef, computed, effect, inject, signal, untracked, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { duration, percent } from '../brands/brand-logic';
import { BrandsApi, StreamSummary } from '../core/api.service';
import { BrandNames } from '../core/brand-names';
import { StreamDoc } from '../core/models';
import { StreamsService } from '../core/streams.service';
import { IconComponent } from '../ui/icon.component';
import {
  Comparison, MediaRange, WHOLE, compareStreams, comparisonCsv, filterStreams, isWhole, mediaRange, secondsByBrand,
  streamDate, topBrands,
} from './compare';
import { CHART_BRANDS, ComparisonChartComponent } from './comparison-chart.component';

/** /summary lists at most this many appearances: a range over a stream with more is partial. */
const SUMMARY_APPEARANCES = 1000;

/** `#/history` (lazy): streams that ended (or all), with when, how long was analysed and
 *  their top brands, each opening its recording; brands compared across the streams
 *  chosen, over their whole length or a media-time range, as a chart, a table and CSV. */
@Component({
  selector: 'ma-history-page',
  imports: [RouterLink, MatButtonModule, MatButtonToggleModule, MatCheckboxModule, IconComponent, ComparisonChartComponent],
  template: `
    <h1>History</h1>
    <p class="muted lead">Past streams and their recordings. Tick two or more to compare their brands.</p>

    <section #results class="ma-card compare" aria-labelledby="compare-title" data-testid="comparison">
      <div class="compare-head">
        <h2 id="compare-title">Compare brands across streams</h2>
        @if (comparison(); as c) {
          <button mat-stroked-button (click)="exportCsv(c)" data-testid="export-comparison">Export CSV</button>
        }
      </div>
      <form class="range" (submit)="$event.preventDefault()">
        <span class="muted">Media time</span>
        <label>from <input #from type="text" inputmode="decimal" placeholder="0:00" (input)="rangeFrom.set(from.value)"
                           data-testid="range-from" size="7" /></label>
        <label>to <input #to type="text" inputmode="decimal" placeholder="end" (input)="rangeTo.set(to.value)"
                         data-testid="range-to" size="7" /></label>
        <span class="muted">(from each stream’s start; empty: the whole stream)</span>
      </form>
      @if (rangeError()) { <p class="error-text" role="alert">{{ rangeError() }}</p> }
      @if (selected().length < 2) {
        <p class="muted hint" data-testid="compare-hint">
          {{ selected().length ? 'Tick one more stream below.' : 'Tick two or more streams below to see their brands side by side.' }}</p>
      } @else if (loading()) {
        <p class="muted hint" role="status">Reading the streams’ results…</p>
      } @else if (compareError()) {
        <p class="error-text" role="alert">{{ compareError() }}</p>
      } @else if (comparison(); as c) {
        @if (!c.brands.length) {
          <p class="muted hint" data-testid="compare-empty">No brand was on screen in these streams{{ whole() ? '' : ' in this range' }}.</p>
        } @else {
          <ma-comparison-chart [comparison]="c" [names]="names()" [colors]="chartColors()" />
          @if (c.brands.length > CHART_BRANDS) {
            <p class="muted">The chart shows the {{ CHART_BRANDS }} brands seen longest; the table lists all {{ c.brands.length }}.</p>
          }
          @if (partial().length) {
            <p class="notice">Counted from the first {{ SUMMARY_APPEARANCES }} appearances only in: {{ partial().join(', ') }}.</p>
          }
          <div class="table-wrap">
            <table data-testid="comparison-table">
              <caption class="visually-hidden">Seconds on screen and share of voice per brand and stream</caption>
              <thead>
                <tr><th scope="col">Brand</th>
                  @for (s of c.streams; track s.id) {
                    <th scope="col" [attr.data-stream]="s.id">{{ s.name }}</th>
                  }
                  @if (c.streams.length > 1) { <th scope="col">All compared</th> }
                </tr>
              </thead>
              <tbody>
                @for (brand of c.brands; track brand; let b = $index) {
                  <tr [attr.data-brand]="brand">
                    <th scope="row"><span class="dot" [style.background]="color(brand)"></span>{{ nameOf(brand) }}</th>
                    @for (s of c.streams; track s.id) {
                      <td [attr.data-stream]="s.id" [attr.data-seconds]="s.seconds[b]">
                        @if (s.seconds[b] > 0) { <b>{{ duration(s.seconds[b]) }}</b><span class="share">{{ percent(s.share[b]) }}</span> }
                        @else { <span class="muted">—</span> }
                      </td>
                    }
                    @if (c.streams.length > 1) {
                      <td data-stream="all" [attr.data-seconds]="c.totalSeconds[b]"><b>{{ duration(c.totalSeconds[b]) }}</b><span class="share">{{ percent(c.totalShare[b]) }}</span></td>
                    }
                  </tr>
                }
              </tbody>
            </table>
          </div>
          <p class="muted foot">Seconds on screen; the percentage is the share of voice: the brand’s share of all brand seconds in
            that stream{{ whole() ? '' : ' within the range' }}.
            {{ whole() ? 'Whole streams: their running totals.' : 'Range: each appearance counted with its part inside the range.' }}</p>
        }
      }
    </section>

    <div class="filters">
      <mat-button-toggle-group [value]="endedOnly() ? 'ended' : 'all'" (change)="endedOnly.set($event.value === 'ended')"
                               aria-label="Which streams" hideSingleSelectionIndicator>
        <mat-button-toggle value="ended" data-testid="filter-ended">Ended</mat-button-toggle>
        <mat-button-toggle value="all" data-testid="filter-all">All</mat-button-toggle>
      </mat-button-toggle-group>
      <label>From <input #df type="date" (change)="dateFrom.set(df.value)" data-testid="date-from" /></label>
      <label>To <input #dt type="date" (change)="dateTo.set(dt.value)" data-testid="date-to" /></label>
      <span class="muted">{{ shown().length }} of {{ streams.streams().length }} streams</span>
    </div>

    @if (!streams.loaded()) {
      <p class="muted state">Loading streams…</p>
    } @else if (!shown().length) {
      <p class="ma-card muted state" data-testid="history-empty">
        @if (endedOnly() && !dateFrom() && !dateTo()) { No stream has ended yet. <button mat-button (click)="endedOnly.set(false)">Show all streams</button> }
        @else { No stream in these dates. }
      </p>
    } @else {
      <ul class="rows" data-testid="history-list">
        @for (s of shown(); track s.id) {
          <li [attr.data-stream]="s.id" [class.picked]="isSelected(s.id)">
            <mat-checkbox [checked]="isSelected(s.id)" (change)="toggle(s.id)" [aria-label]="'Compare ' + (s.name || s.id)"
                          data-testid="compare-pick" />
            <div class="main">
              <a class="name" [routerLink]="['/streams', s.id]" data-testid="history-name">{{ s.name || s.id }}</a>
              <span class="meta">
                <span class="ma-chip" [class]="s.status">{{ statusLabel(s) }}</span>
                <span data-testid="history-date">{{ when(s) }}</span> ·
                <span data-testid="history-duration">{{ duration(s.analysed_seconds) }} analysed</span>
              </span>
              @if (top(s); as brands) {
                <span class="brands" data-testid="history-brands">
                  @for (b of brands; track b.brand) {
                    <span class="brand"><span class="dot" [style.background]="color(b.brand)"></span>{{ nameOf(b.brand) }}
                      <span class="muted">{{ duration(b.seconds) }}</span></span>
                  } @empty { <span class="muted">No brand seen</span> }
                </span>
              }
            </div>
            <a mat-stroked-button class="open" [routerLink]="['/streams', s.id]" [attr.aria-label]="'Open the recording of ' + (s.name || s.id)">
              <ma-icon name="video" [size]="18" /> <span class="open-label">Recording</span></a>
          </li>
        }
      </ul>
    }

    @if (selected().length) {
      <div class="selection" role="region" aria-label="Streams to compare" data-testid="selection-bar">
        <span>{{ selected().length }} selected</span>
        <span class="spacer"></span>
        <button mat-button (click)="selected.set([])">Clear</button>
        <button mat-flat-button (click)="showResults()" [disabled]="selected().length < 2" data-testid="compare">Compare</button>
      </div>
    }
  `,
  styles: `
    :host { display: block; max-width: 1100px; margin: 0 auto; padding-bottom: 72px; }
    .lead { margin: 0 0 var(--ma-space-4); }
    .compare { margin-bottom: var(--ma-space-4); scroll-margin-top: 72px; }
    .compare-head { display: flex; align-items: center; justify-content: space-between; gap: var(--ma-space-2); flex-wrap: wrap; }
    .range { display: flex; flex-wrap: wrap; gap: var(--ma-space-2); align-items: center; margin: var(--ma-space-2) 0; }
    .range input { width: 6em; }
    .hint { margin: var(--ma-space-3) 0 0; }
    .notice { color: var(--ma-warn); }
    .table-wrap { overflow-x: auto; margin-top: var(--ma-space-3); }
    table { border-collapse: collapse; width: 100%; font-size: var(--ma-text-sm); font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 6px var(--ma-space-2); border-bottom: 1px solid var(--ma-border); white-space: nowrap; }
    thead th { color: var(--ma-text-muted); font-weight: 600; }
    tbody th { font-weight: 600; }
    .share { margin-left: var(--ma-space-2); color: var(--ma-text-muted); }
    .foot { margin: var(--ma-space-2) 0 0; }
    .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: baseline; }
    .filters { display: flex; flex-wrap: wrap; align-items: center; gap: var(--ma-space-3); margin-bottom: var(--ma-space-3); }
    .filters input[type='date'] { margin-left: var(--ma-space-1); background: var(--ma-surface-2); color: var(--ma-text);
                                  border: 1px solid var(--ma-border); border-radius: var(--ma-radius-sm); padding: 4px 6px; font: inherit; }
    .state { padding: var(--ma-space-5); text-align: center; }
    .rows { list-style: none; margin: 0; padding: 0; border: 1px solid var(--ma-border); border-radius: var(--ma-radius);
            background: var(--ma-surface); overflow: hidden; }
    .rows li { display: flex; align-items: center; gap: var(--ma-space-2); padding: var(--ma-space-2) var(--ma-space-3) var(--ma-space-2) var(--ma-space-1);
               border-bottom: 1px solid var(--ma-border); }
    .rows li:last-child { border-bottom: 0; }
    .rows li.picked { background: var(--ma-surface-2); }
    .main { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 2px; }
    .name { font-weight: 600; color: var(--ma-text); text-decoration: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .name:hover { text-decoration: underline; }
    .meta { display: flex; flex-wrap: wrap; align-items: center; gap: var(--ma-space-1); color: var(--ma-text-muted); font-size: var(--ma-text-xs); }
    .brands { display: flex; flex-wrap: wrap; gap: 2px var(--ma-space-3); font-size: var(--ma-text-sm); }
    .brand { white-space: nowrap; }
    .open { flex: none; }
    .selection { position: fixed; left: 50%; bottom: var(--ma-space-3); transform: translateX(-50%); z-index: 5;
                 width: min(560px, calc(100vw - 2 * var(--ma-space-3))); box-sizing: border-box;
                 display: flex; align-items: center; gap: var(--ma-space-2); padding: var(--ma-space-2) var(--ma-space-3);
                 background: var(--ma-surface-2); border: 1px solid var(--ma-primary); border-radius: var(--ma-radius);
                 box-shadow: 0 4px 16px rgb(0 0 0 / 50%); }
    .spacer { flex: 1; }
    @media (max-width: 560px) {
      .open-label { display: none; }
      .open { min-width: 0; padding: 0 var(--ma-space-2); }
    }
  `,
})
export class HistoryPageComponent {
  protected readonly streams = inject(StreamsService);
  private readonly api = inject(BrandsApi);
  private readonly results = viewChild.required<ElementRef<HTMLElement>>('results');
  protected readonly duration = duration;
  protected readonly percent = percent;
  protected readonly CHART_BRANDS = CHART_BRANDS;
  protected readonly SUMMARY_APPEARANCES = SUMMARY_APPEARANCES;

  readonly endedOnly = signal(true);
  readonly dateFrom = signal('');
  readonly dateTo = signal('');
  readonly shown = computed(() => filterStreams(this.streams.streams(), this.dateFrom(), this.dateTo(), this.endedOnly()));
  private readonly brandNames = inject(BrandNames);
  /** brand id -> display name, from the brand library (ids stand in until it is read). */
  readonly names = this.brandNames.names;

  readonly selected = signal<string[]>([]);
  readonly rangeFrom = signal('');
  readonly rangeTo = signal('');
  private readonly parsedRange = computed(() => mediaRange(this.rangeFrom(), this.rangeTo()));
  readonly rangeError = computed(() => (typeof this.parsedRange() === 'string' ? (this.parsedRange() as string) : ''));
  readonly range = computed<MediaRange>(() => (typeof this.parsedRange() === 'string' ? WHOLE : (this.parsedRange() as MediaRange)));
  readonly whole = computed(() => isWhole(this.range()));

  private readonly summaries = signal<Record<string, StreamSummary>>({});
  readonly loading = signal(false);
  readonly compareError = signal('');
  /** Stream names, changing only when a name does (not with every live update). */
  private readonly streamNames = computed(
    () => Object.fromEntries(this.streams.streams().map((s) => [s.id, s.name])) as Record<string, string>,
    { equal: (a, b) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]) },
  );
  readonly comparison = computed<Comparison | null>(() => {
    const ids = this.selected();
    const summaries = this.summaries();
    if (ids.length < 2 || ids.some((id) => !summaries[id])) return null;
    const names = this.streamNames();
    return compareStreams(ids.map((id) => ({
      id,
      name: names[id] || id,
      seconds: secondsByBrand(summaries[id], this.range()),
    })));
  });
  /** Each compared brand's colour, as the list shows it. */
  readonly chartColors = computed(() => Object.fromEntries((this.comparison()?.brands ?? []).map((b) => [b, this.color(b)])));
  readonly partial = computed(() => {
    if (this.whole()) return [];
    const summaries = this.summaries();
    return this.selected().filter((id) => (summaries[id]?.appearances.length ?? 0) >= SUMMARY_APPEARANCES);
  });

  constructor() {
    void this.brandNames.refresh();
    // Results of the chosen streams, read once each (their totals as the API sums them).
    effect(() => {
      const missing = this.selected().filter((id) => !untracked(this.summaries)[id]);
      if (missing.length) untracked(() => void this.load(missing));
    });
  }

  private async load(ids: string[]): Promise<void> {
    this.loading.set(true);
    this.compareError.set('');
    try {
      const read = await Promise.all(ids.map((id) => this.api.streamSummary(id)));
      this.summaries.update((all) => ({ ...all, ...Object.fromEntries(read.map((s) => [s.stream_id, s])) }));
    } catch (e) {
      this.compareError.set(`Cannot read the streams’ results: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.loading.set(false);
    }
  }

  isSelected(id: string): boolean {
    return this.selected().includes(id);
  }

  toggle(id: string): void {
    this.selected.update((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  }

  showResults(): void {
    this.results().nativeElement.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  top(s: StreamDoc) {
    return topBrands(s);
  }

  nameOf(brand: string): string {
    return this.brandNames.name(brand);
  }

  color(brand: string): string {
    return this.brandNames.colour()(brand);
  }


  statusLabel(s: StreamDoc): string {
    return { live: 'Live', idle: 'Idle', ended: 'Ended' }[s.status] ?? s.status;
  }

  when(s: StreamDoc): string {
    const date = streamDate(s);
    if (!date) return 'not published yet';
    const text = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    return s.status === 'ended' && s.ended_at && s.live_since
      ? `${text} – ${s.ended_at.toLocaleTimeString(undefined, { timeStyle: 'short' })}`
      : text;
  }

  exportCsv(c: Comparison): void {
    const csv = comparisonCsv(c, this.range(), this.names());
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `brand-comparison-${new Date().toISOString().slice(0, 10)}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
