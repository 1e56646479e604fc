import { Component, computed, inject, output } from '@angular/core';
import { DecimalPipe, PercentPipe } from '@angular/common';
import { StreamsService } from '../core/streams.service';
import { ResultsStore } from './results-store';
import { WarningsComponent } from './warnings.component';
import { emptyBrandsReason } from './warnings';

/** Live results of the selected stream (the injected store): brand exposure with its
 *  timeline first, then latest detections and scene, objects, measures; each panel's
 *  warnings beside it. */
@Component({
  selector: 'ma-panels',
  imports: [DecimalPipe, PercentPipe, WarningsComponent],
  template: `
    <section data-testid="brand-panel">
      <h3>Brands on screen</h3>
      <table>
        @for (b of store.brands(); track b.brand) {
          <tr [attr.data-brand]="b.brand">
            <td>{{ b.brand }}</td>
            <td class="num" data-testid="brand-seconds">{{ b.seconds | number: '1.1-1' }} s</td>
            <td class="bar"><span [style.width.%]="b.shareOfVoice * 100"></span></td>
            <td class="num">{{ b.shareOfVoice | percent }}</td>
          </tr>
        }
      </table>
      @if (!store.brands().length) { <p class="empty" data-testid="brands-empty">{{ emptyBrands() }}</p> }
      <ma-warnings panel="brands" />
      @if (store.appearances().length) {
        <svg class="timeline" viewBox="0 0 1000 40" preserveAspectRatio="none" data-testid="brand-timeline">
          @for (a of store.appearances(); track $index) {
            <rect [attr.x]="x(a.start)" [attr.width]="w(a.start, a.end)" y="8" height="24"
                  (click)="seek.emit(a.start)"><title>{{ a.brand }} {{ a.start | number: '1.0-1' }}–{{ a.end | number: '1.0-1' }} s</title></rect>
          }
        </svg>
        <p class="muted">click an appearance to seek there</p>
      }
    </section>

    <section data-testid="results-panel">
      <h3>Latest results</h3>
      @if (store.latest(); as seg) {
        <p class="muted">segment {{ seg.seq }} · {{ seg.backend }} · {{ seg.mode }}</p>
        <ul class="chips">
          @for (d of latestDetections(); track $index) {
            <li [class]="d.kind">{{ d.label }} {{ d.score | percent }}</li>
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
    table { width: 100%; border-collapse: collapse; font-size: var(--ma-text-sm); }
    td { padding: 3px 0; }
    td.num { text-align: right; white-space: nowrap; padding-left: var(--ma-space-2); font-variant-numeric: tabular-nums; }
    td.bar { width: 40%; padding-left: var(--ma-space-2); }
    td.bar span { display: block; height: 8px; border-radius: 4px; background: var(--ma-logo); }
    .timeline { width: 100%; height: 40px; background: var(--ma-bg); border-radius: var(--ma-radius-sm); margin-top: var(--ma-space-2); }
    .timeline rect { fill: var(--ma-logo); cursor: pointer; }
    .spark { width: 100%; height: 40px; background: var(--ma-bg); border-radius: var(--ma-radius-sm); }
    .colors { display: flex; height: 14px; margin-top: var(--ma-space-1); border-radius: var(--ma-radius-sm); overflow: hidden; }
    .empty { color: var(--ma-text-muted); font-size: var(--ma-text-sm); margin: var(--ma-space-1) 0; }
  `,
})
export class PanelsComponent {
  protected readonly store = inject(ResultsStore);
  private readonly streams = inject(StreamsService);
  readonly seek = output<number>();

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
    const end = frames.length ? frames[frames.length - 1].t + 2 : 60;
    return { start: frames.length ? frames[0].t : 0, end };
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
