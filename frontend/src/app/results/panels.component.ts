import { Component, computed, inject, output } from '@angular/core';
import { DecimalPipe, PercentPipe } from '@angular/common';
import { ResultsStore } from './results-store';

/** Live results of the selected stream (the injected store): latest detections and scene,
 *  brand exposure with its timeline, objects, measures. */
@Component({
  selector: 'ma-panels',
  imports: [DecimalPipe, PercentPipe],
  template: `
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
      } @else { <p class="muted">waiting for the first analysed segment…</p> }
    </section>

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
        } @empty { <tr><td class="muted">no brand seen yet{{ analysisWarnings().length ? ' — see the warnings below' : '' }}</td></tr> }
      </table>
      @if (analysisWarnings().length) {
        <ul class="warnings" data-testid="brand-warnings">
          @for (w of analysisWarnings(); track w) { <li [title]="w">⚠ {{ w.length > 160 ? w.slice(0, 157) + '…' : w }}</li> }
        </ul>
        <p class="muted">Brand results may be incomplete: replace unusable logos on the brands API, or start the missing model.</p>
      }
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
    section { margin-bottom: 14px; }
    h3 { margin: 4px 0; font-size: 14px; }
    .muted { color: #999; font-size: 12px; }
    .chips { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px; margin: 4px 0; }
    .chips li { background: #263238; padding: 2px 6px; border-radius: 3px; font-size: 12px; }
    .chips li.logo { background: #ffb300; color: #000; }
    table { width: 100%; border-collapse: collapse; font-size: 13px; }
    td.num { text-align: right; white-space: nowrap; }
    td.bar { width: 40%; } td.bar span { display: block; height: 8px; background: #ffb300; }
    .timeline { width: 100%; height: 40px; background: #111; }
    .timeline rect { fill: #ffb300; cursor: pointer; }
    .spark { width: 100%; height: 40px; background: #111; }
    .colors { display: flex; height: 14px; margin-top: 4px; }
    .warnings { list-style: none; padding: 6px 8px; margin: 6px 0; background: #3e2723; border-left: 3px solid #ffb300; font-size: 12px; }
  `,
})
export class PanelsComponent {
  protected readonly store = inject(ResultsStore);
  readonly seek = output<number>();

  readonly latestDetections = computed(() => {
    const seg = this.store.latest();
    return seg ? seg.frames[seg.frames.length - 1].detections : [];
  });

  /** What the latest segment's analysis warned about (a model unavailable, an unusable
   *  logo reference), shown beside the brands so an empty list is not taken for "no brand". */
  readonly analysisWarnings = computed(() => this.store.latest()?.warnings ?? []);

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
