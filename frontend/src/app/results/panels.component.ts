import { Component, computed, inject, input, output, signal } from '@angular/core';
import { BrandNames } from '../core/brand-names';
import { DecimalPipe, PercentPipe } from '@angular/common';
import { SOURCES, SOURCE_MEANING, Source } from '../core/sources';
import { StreamsService } from '../core/streams.service';
import { SourceChipComponent } from '../ui/source-chip.component';
import { ResultsStore } from './results-store';
import { WarningsComponent } from './warnings.component';
import { emptyBrandsReason } from './warnings';

/** Live results of the selected stream (the injected store): brand exposure with its
 *  timeline (`part="brands"`), or latest detections and scene, objects, measures
 *  (`part="details"`); each panel's warnings beside it. */
@Component({
  selector: 'ma-panels',
  imports: [DecimalPipe, PercentPipe, WarningsComponent, SourceChipComponent],
  template: `
    @if (part() === 'brands') {
    <section data-testid="brand-panel">
      <h3>Brands <span class="sub">on screen · said aloud</span></h3>
      <ul class="brand-rows">
        @for (b of store.brands(); track b.brand) {
          <li [attr.data-brand]="b.brand">
            <span class="name"><span class="swatch" [style.background]="colour()(b.brand)"></span>{{ names.name(b.brand) }}</span>
            <span class="num" data-testid="brand-seconds" [attr.data-value]="b.seconds"
                  [title]="b.seconds ? 'On screen (logo or text)' : 'Not on screen: only said aloud'">{{ b.seconds ? (b.seconds | number: '1.1-1') + ' s' : '–' }}</span>
            <span class="bar"><span [style.width.%]="b.shareOfVoice * 100" [style.background]="colour()(b.brand)"></span></span>
            <span class="num share">{{ b.seconds ? (b.shareOfVoice | percent) : '–' }}</span>
            <span class="split">
              @if (b.logoSeconds > 0) {
                <ma-source source="logo" [value]="(b.logoSeconds | number: '1.1-1') + ' s'" hint="Seconds its logo was on screen"
                           data-testid="brand-logo-seconds" [attr.data-value]="b.logoSeconds" />
              }
              @if (b.textSeconds > 0) {
                <ma-source source="text" [value]="(b.textSeconds | number: '1.1-1') + ' s'" hint="Seconds its name was written on screen (OCR)"
                           data-testid="brand-text-seconds" [attr.data-value]="b.textSeconds" />
              }
              @if (b.mentions > 0) {
                <ma-source source="speech" [value]="'said ×' + b.mentions" hint="Times its name was said aloud"
                           data-testid="brand-mentions" [attr.data-value]="b.mentions" />
              }
            </span>
          </li>
        }
      </ul>
      @if (!store.brands().length) { <p class="empty" data-testid="brands-empty">{{ emptyBrands() }}</p> }
      <ma-warnings panel="brands" />
      @if (lanes().length) {
        <div class="sources" role="group" aria-label="Sources on the timeline">
          @for (s of sources; track s) {
            <button type="button" [class.on]="shown().has(s)" [attr.aria-pressed]="shown().has(s)" (click)="toggle(s)"
                    [attr.data-testid]="'timeline-source-' + s"><ma-source [source]="s" /></button>
          }
        </div>
        <div class="timeline" data-testid="brand-timeline">
          @for (lane of lanes(); track lane.source) {
            <div class="lane" [attr.data-source]="lane.source">
              <ma-source [source]="lane.source" />
              <svg viewBox="0 0 1000 18" preserveAspectRatio="none">
                @for (a of lane.screen; track $index) {
                  <rect [attr.x]="x(a.start)" [attr.width]="w(a.start, a.end)" y="1" height="16" [attr.fill]="colour()(a.brand)"
                        (click)="seek.emit(a.start)" [attr.data-brand]="a.brand" data-testid="timeline-run">
                    <title>{{ names.name(a.brand) }} {{ lane.label }} {{ a.start | number: '1.0-1' }}–{{ a.end | number: '1.0-1' }} s</title></rect>
                }
                @for (m of lane.spoken; track $index) {
                  <rect [attr.x]="x(m.start) - 2" width="4" y="0" height="18" [attr.fill]="colour()(m.brand)" class="tick"
                        (click)="seek.emit(m.start)" [attr.data-brand]="m.brand" data-testid="timeline-mention">
                    <title>{{ names.name(m.brand) }} said at {{ m.start | number: '1.0-1' }} s: “{{ m.text }}”</title></rect>
                }
              </svg>
            </div>
          }
        </div>
        <p class="muted">bars: on screen · ticks: said aloud · click one to play from there</p>
      }
    </section>
    } @else {
    <section data-testid="results-panel">
      <h3>Latest results</h3>
      @if (store.latest(); as seg) {
        <p class="muted">segment {{ seg.seq }} · {{ seg.backend }} · {{ seg.mode }}</p>
        <ul class="chips">
          @for (d of latestDetections(); track $index) {
            <li [class]="d.kind">{{ d.kind === 'text' ? 'text: ' : '' }}{{ d.label }}{{ d.kind === 'text' && d.text ? ' “' + d.text + '”' : '' }} {{ d.score | percent }}</li>
          } @empty { <li class="muted">nothing detected</li> }
        </ul>
        <ul class="chips scene">
          @for (s of seg.frames[seg.frames.length - 1].scene; track s.label) { <li>{{ s.label }} {{ s.score | percent }}</li> }
        </ul>
      } @else { <p class="muted">{{ waiting() }}</p> }
      <ma-warnings panel="results" />
    </section>

    <section data-testid="objects-panel">
      <h3>Objects</h3>
      <ul class="chips">
        @for (o of store.objects(); track o.label) { <li>{{ o.label }} × {{ o.count }}</li> }
        @empty { <li class="muted">none yet</li> }
      </ul>
    </section>

    <section data-testid="measures-panel">
      <h3>Brightness and colours</h3>
      <svg class="spark" viewBox="0 0 300 40" preserveAspectRatio="none">
        <polyline [attr.points]="brightnessPoints()" fill="none" stroke="#90caf9" stroke-width="2" />
      </svg>
      <div class="colors">
        @for (c of latestColors(); track c.hex) { <span [style.background]="c.hex" [style.flex-grow]="c.share" [title]="c.hex"></span> }
      </div>
    </section>
    }
  `,
  styles: `
    :host { display: grid; gap: var(--ma-space-3); }
    section { background: var(--ma-surface); border: 1px solid var(--ma-border); border-radius: var(--ma-radius);
              padding: var(--ma-space-3) var(--ma-space-4); }
    h3 { margin: 0 0 var(--ma-space-2); font-size: var(--ma-text-md); }
    .muted { color: var(--ma-text-muted); font-size: var(--ma-text-xs); }
    .chips { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: var(--ma-space-1); margin: var(--ma-space-1) 0; }
    .chips li { background: var(--ma-surface-2); padding: 2px var(--ma-space-2); border-radius: 999px; font-size: var(--ma-text-xs); }
    .chips li.logo { background: var(--ma-logo); color: #000; }
    .chips li.text { background: var(--ma-text-box); color: #000; }
    h3 .sub { font-weight: 400; font-size: var(--ma-text-xs); color: var(--ma-text-muted); margin-left: var(--ma-space-1); }
    .brand-rows { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--ma-space-2); font-size: var(--ma-text-sm); }
    .brand-rows li { display: grid; grid-template-columns: minmax(0, 1fr) auto 30% auto; gap: 2px var(--ma-space-2); align-items: center; }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: var(--ma-space-2); }
    .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
    .bar span { display: block; height: 8px; border-radius: 4px; }
    .split { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: var(--ma-space-1); padding-left: 18px; }
    .sources { display: flex; gap: var(--ma-space-1); margin-top: var(--ma-space-3); }
    .sources button { font: inherit; background: none; border: 1px solid var(--ma-border); border-radius: 999px; padding: 1px; cursor: pointer;
                      opacity: 0.5; }
    .sources button.on { opacity: 1; border-color: var(--ma-text-muted); }
    .timeline { display: grid; gap: 3px; margin-top: var(--ma-space-2); }
    .lane { display: grid; grid-template-columns: 64px minmax(0, 1fr); gap: var(--ma-space-2); align-items: center; }
    .lane svg { width: 100%; height: 18px; background: var(--ma-bg); border-radius: var(--ma-radius-sm); }
    .lane rect { cursor: pointer; }
    .spark { width: 100%; height: 40px; background: var(--ma-bg); border-radius: var(--ma-radius-sm); }
    .colors { display: flex; height: 14px; margin-top: var(--ma-space-1); border-radius: var(--ma-radius-sm); overflow: hidden; }
    .empty { color: var(--ma-text-muted); font-size: var(--ma-text-sm); margin: var(--ma-space-1) 0; }
  `,
})
export class PanelsComponent {
  /** Which panels: the live brands (beside the player), or the operator's details (latest
   *  results with the model, objects, brightness and colours; below the analyst view). */
  readonly part = input<'brands' | 'details'>('brands');
  readonly names = inject(BrandNames);
  protected readonly store = inject(ResultsStore);
  private readonly streams = inject(StreamsService);
  readonly seek = output<number>();
  readonly sources = SOURCES;
  /** The sources the timeline draws (all, until the user hides some). */
  readonly shown = signal<ReadonlySet<Source>>(new Set(SOURCES));

  /** Brand colours: each brand's own in the library, as on every page. */
  readonly colour = inject(BrandNames).colour;

  /** One timeline lane per source that is on for the stream or has something to draw:
   *  logo and text runs as bars, spoken mentions as ticks. */
  readonly lanes = computed(() => {
    const on = this.store.signals();
    const runs = this.store.appearances();
    const mentions = this.store.mentions();
    if (!runs.length && !mentions.length) return [];
    const shown = this.shown();
    const lanes = [
      { source: 'logo' as Source, screen: runs.filter((a) => a.source === 'logo'), spoken: [] as typeof mentions, on: true },
      { source: 'text' as Source, screen: runs.filter((a) => a.source === 'text'), spoken: [] as typeof mentions, on: on.text },
      { source: 'speech' as Source, screen: [] as typeof runs, spoken: mentions, on: on.speech },
    ];
    return lanes
      .filter((l) => shown.has(l.source) && (l.on || l.screen.length || l.spoken.length))
      .map((l) => ({ ...l, label: SOURCE_MEANING[l.source] }));
  });

  toggle(source: Source): void {
    const next = new Set(this.shown());
    if (!next.delete(source)) next.add(source);
    this.shown.set(next);
  }

  readonly latestDetections = computed(() => {
    const seg = this.store.latest();
    return seg ? seg.frames[seg.frames.length - 1].detections : [];
  });

  /** Why no brand is listed (analysis off, impaired, nothing to look for, nothing yet). */
  readonly emptyBrands = computed(() =>
    emptyBrandsReason(
      this.store.stream(),
      this.store.latest(),
      this.store.warnings(),
      this.streams.librarySize(),
      this.store.segments().filter((s) => s.status === 'done').length,
    ),
  );

  readonly waiting = computed(() => {
    const status = this.store.stream()?.status;
    if (status === 'live') return 'Waiting for the first analysed segment…';
    if (status === 'ended') return 'No segment of this stream was analysed.';
    return 'Nothing analysed yet: results appear here once OBS publishes.';
  });

  readonly latestColors = computed(() => {
    const seg = this.store.latest();
    return seg ? seg.frames[seg.frames.length - 1].colors : [];
  });

  private readonly span = computed(() => {
    const frames = this.store.frames();
    const mentions = this.store.mentions();
    const start = Math.min(frames[0]?.t ?? Infinity, mentions[0]?.start ?? Infinity);
    const end = Math.max(frames.length ? frames[frames.length - 1].t + 2 : -Infinity, mentions.at(-1)?.end ?? -Infinity);
    return Number.isFinite(start) && Number.isFinite(end) ? { start, end } : { start: 0, end: 60 };
  });

  readonly brightnessPoints = computed(() => {
    const frames = this.store.frames().filter((f) => f.brightness !== null).slice(-120);
    if (!frames.length) return '';
    const t0 = frames[0].t;
    const t1 = Math.max(frames[frames.length - 1].t, t0 + 1);
    return frames.map((f) => `${((f.t - t0) / (t1 - t0)) * 300},${40 - (f.brightness ?? 0) * 40}`).join(' ');
  });

  x(t: number): number {
    const { start, end } = this.span();
    return ((t - start) / Math.max(end - start, 1)) * 1000;
  }

  w(start: number, end: number): number {
    return Math.max(this.x(end) - this.x(start), 2);
  }
}
