import { Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { DecimalPipe } from '@angular/common';
import { MatSlideToggle, MatSlideToggleModule } from '@angular/material/slide-toggle';
import { SourceChipComponent } from '../ui/source-chip.component';
import { ApiService } from '../core/api.service';
import { BackfillStatus } from '../core/backfill-status';
import { FirebaseService } from '../core/firebase.service';
import { SessionService } from '../core/session.service';
import { ResultsStore } from '../results/results-store';

/** Processing mode, backfill requests (progress followed by a Firestore listener), and
 *  the selected stream's performance. */
@Component({
  selector: 'ma-control',
  imports: [DecimalPipe, MatSlideToggleModule, SourceChipComponent],
  template: `
    @if (store.stream(); as s) {
      <section data-testid="mode-control">
        <h3>Processing</h3>
        @if (!session.canControl()) {
          <p>Mode: <b>{{ s.mode === 'realtime' ? 'Realtime' : 'Batch' }}</b>&nbsp;<span class="muted">— {{ s.mode === 'realtime' ? 'keyframes, skips segments far behind live' : '5 fps, never skips' }}</span></p>
        } @else {
        <div class="modes">
          <button type="button" [class.on]="s.mode === 'realtime'" (click)="setMode('realtime')" data-testid="mode-realtime">
            Realtime</button>
          <button type="button" [class.on]="s.mode === 'batch'" (click)="setMode('batch')" data-testid="mode-batch">Batch</button>
        </div>
        <p class="muted">{{ s.mode === 'realtime' ? 'keyframes, skips segments far behind live' : '5 fps, never skips' }}</p>
        <form (submit)="backfill($event)" class="backfill">
          <label>Re-analyse from <input #fromInput type="number" min="0" step="1" [value]="from()" (input)="from.set(+fromInput.value)" /> s</label>
          <label>to <input #toInput type="number" min="0" step="1" [value]="to() ?? ''" (input)="to.set(toInput.value === '' ? null : +toInput.value)" placeholder="end" /> s</label>
          <button type="submit">Backfill</button>
        </form>
        @if (job(); as j) {
          <p data-testid="backfill-status">backfill {{ j.backfill_id }}: {{ j.finished }}/{{ j.segments }} {{ j.status }}</p>
        }
        @if (error()) { <p class="error">{{ error() }}</p> }
        }
      </section>

      <section id="stream-signals" data-testid="signals-control">
        <h3>Brand signals</h3>
        <p class="muted">What brands are found by. Logos always; reading text and transcribing speech cost CPU, and
          realtime mode drops them first when analysis falls behind. A change applies from the next segment.</p>
        <ul class="signals">
          <li><span class="what"><ma-source source="logo" value="Logos on screen" /></span><span class="state on">Always on</span></li>
          @for (k of kinds; track k.key) {
            <li [attr.data-signal]="k.key">
              <span class="what"><ma-source [source]="k.key" [value]="k.label" /></span>
              @if (session.canControl()) {
                <mat-slide-toggle #toggle [checked]="on()[k.key]" [disabled]="busy() === k.key" (change)="setSignal(k.key, $event.checked, toggle)"
                                  [attr.data-testid]="'signal-' + k.key" [aria-label]="k.label">{{ on()[k.key] ? 'On' : 'Off' }}</mat-slide-toggle>
              } @else {
                <span class="state" [class.on]="on()[k.key]" [attr.data-testid]="'signal-' + k.key + '-state'">{{ on()[k.key] ? 'On' : 'Off' }}</span>
              }
            </li>
          }
        </ul>
        @if (!session.canControl()) { <p class="muted">Only an admin can switch them.</p> }
        @if (signalError()) { <p class="error" role="alert" data-testid="signals-error">{{ signalError() }}</p> }
      </section>

      <section data-testid="perf-panel">
        <h3>Performance</h3>
        <table>
          <tr><td>upload → result p50 / p95</td><td class="num">{{ s.stats?.latency_p50_ms ?? '–' }} / {{ s.stats?.latency_p95_ms ?? '–' }} ms</td></tr>
          <tr><td>lag behind live</td><td class="num">{{ s.stats?.lag_s ?? '–' }} s</td></tr>
          <tr><td>analysed / skipped / failed</td>
              <td class="num" data-testid="counts">{{ s.stats?.analyzed ?? 0 }} / {{ s.stats?.skipped ?? 0 }} / {{ s.stats?.failed ?? 0 }}</td></tr>
          <tr><td>backend</td><td class="num">{{ store.latest()?.backend ?? '–' }}</td></tr>
          <tr><td>keyframe interval</td><td class="num">{{ s.keyframe_interval_s ?? '–' }} s</td></tr>
        </table>
        <svg class="bars" viewBox="0 0 300 50" preserveAspectRatio="none">
          @for (b of latencyBars(); track b.seq) {
            <rect [attr.x]="b.x" [attr.y]="50 - b.h" width="4" [attr.height]="b.h" [class]="b.status"><title>#{{ b.seq }} {{ b.status }}: {{ b.ms | number: '1.0-0' }} ms (event {{ b.eventMs ?? '–' }}, decode {{ b.decodeMs ?? '–' }}, inference {{ b.inferenceMs ?? '–' }} ms)</title></rect>
          }
        </svg>
        <p class="muted">per segment: upload → result (scale {{ latencyScale() }} ms)</p>
      </section>
    }
  `,
  styles: `
    section { margin: var(--ma-space-2) 0 var(--ma-space-3); }
    h3 { margin: 0 0 var(--ma-space-1); font-size: var(--ma-text-md); }
    .muted { color: var(--ma-text-muted); font-size: var(--ma-text-xs); }
    .modes { display: inline-flex; border: 1px solid var(--ma-border); border-radius: var(--ma-radius-sm); overflow: hidden; }
    .modes button { background: var(--ma-surface-2); color: var(--ma-text); border: 0; padding: 6px 14px; cursor: pointer; font: inherit; }
    .modes button.on { background: var(--ma-primary); color: #000; font-weight: 600; }
    .backfill { display: flex; flex-wrap: wrap; gap: var(--ma-space-2); align-items: center; font-size: var(--ma-text-sm);
                margin-top: var(--ma-space-2); }
    .backfill input { width: 64px; }
    .backfill button { background: var(--ma-surface-2); color: var(--ma-text); border: 1px solid var(--ma-border);
                       border-radius: var(--ma-radius-sm); padding: 5px 12px; cursor: pointer; font: inherit; }
    table { width: 100%; font-size: var(--ma-text-sm); border-collapse: collapse; }
    td { padding: 2px 0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .bars { width: 100%; height: 50px; background: var(--ma-bg); border-radius: var(--ma-radius-sm); }
    .bars rect { fill: var(--ma-ok); } .bars rect.failed { fill: var(--ma-error); } .bars rect.skipped { fill: var(--ma-idle); }
    .error { color: var(--ma-error); }
    .signals { list-style: none; margin: var(--ma-space-2) 0 0; padding: 0; display: grid; gap: var(--ma-space-1); max-width: 480px; }
    .signals li { display: flex; align-items: center; justify-content: space-between; gap: var(--ma-space-3); min-height: 36px;
                  font-size: var(--ma-text-sm); }
    .what ma-source { font-size: var(--ma-text-sm); line-height: 24px; padding: 0 10px 0 6px; }
    .state { color: var(--ma-text-muted); font-weight: 600; } .state.on { color: var(--ma-ok); }
  `,
})
export class ControlComponent {
  protected readonly store = inject(ResultsStore);
  protected readonly session = inject(SessionService);
  readonly from = signal(0);
  readonly to = signal<number | null>(null);
  readonly job = signal<BackfillStatus | null>(null);
  readonly error = signal('');
  readonly signalError = signal('');
  /** The switch being saved. */
  readonly busy = signal<'text' | 'speech' | null>(null);
  readonly kinds = [
    { key: 'text' as const, label: 'On-screen text (OCR)' },
    { key: 'speech' as const, label: 'Speech (transcription)' },
  ];
  /** The switches as the stream document has them (absent: on). */
  readonly on = computed(() => this.store.signals());
  private readonly api = inject(ApiService);
  private readonly firebase = inject(FirebaseService);
  /** Stops the listener on the backfill shown, while one runs. */
  private stopFollowing: (() => void) | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stopFollowing?.());
  }

  readonly latencyScale = computed(() =>
    Math.max(500, ...this.store.timings().map((t) => t.latencyMs ?? 0)),
  );

  readonly latencyBars = computed(() => {
    const rows = this.store.timings().slice(-60);
    const scale = this.latencyScale();
    return rows.map((t, i) => ({
      ...t,
      ms: t.latencyMs ?? 0,
      x: i * 5,
      h: t.latencyMs === null ? 2 : Math.max(2, (t.latencyMs / scale) * 50),
    }));
  });

  async setMode(mode: 'realtime' | 'batch'): Promise<void> {
    const stream = this.store.stream();
    if (!stream) return;
    this.error.set('');
    try {
      await this.api.setMode(stream.id, mode); // the listener shows the change
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    }
  }

  /** PATCH the stream's switch; the stream document's listener shows the change. A refused
   *  change puts the toggle back and says why. */
  async setSignal(kind: 'text' | 'speech', value: boolean, toggle: MatSlideToggle): Promise<void> {
    const stream = this.store.stream();
    if (!stream) return;
    this.signalError.set('');
    this.busy.set(kind);
    try {
      const answer = await this.api.setSignals(stream.id, { [kind]: value });
      if (answer?.signals) this.store.signalDefaults.set(answer.signals);
    } catch (e) {
      toggle.checked = !value;
      this.signalError.set(`Could not switch ${kind === 'text' ? 'on-screen text' : 'speech'} ${value ? 'on' : 'off'}: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.busy.set(null);
    }
  }

  async backfill(event: Event): Promise<void> {
    event.preventDefault();
    const stream = this.store.stream();
    if (!stream) return;
    this.error.set('');
    try {
      const job = await this.api.backfill(stream.id, this.from(), this.to());
      this.stopFollowing?.();
      this.job.set(job);
      if (job.status !== 'completed') await this.follow(stream.id, job.backfill_id);
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    }
  }

  /** Show a backfill's progress live, from its Firestore record, until it completes. */
  private async follow(streamId: string, backfillId: string): Promise<void> {
    let stopped = false;
    let unsubscribe: (() => void) | undefined;
    const stop = () => {
      stopped = true;
      unsubscribe?.();
      if (this.stopFollowing === stop) this.stopFollowing = null;
    };
    this.stopFollowing = stop;
    unsubscribe = await this.firebase.watchBackfill(
      streamId,
      backfillId,
      (status) => {
        if (stopped) return;
        if (status) this.job.set(status);
        else this.error.set(`backfill ${backfillId} not found`);
        if (!status || status.status === 'completed') stop();
      },
      (e) => {
        if (stopped) return;
        this.error.set(e.message);
        stop();
      },
    );
    if (stopped) unsubscribe(); // completed, replaced or destroyed before the listener came back
  }
}
