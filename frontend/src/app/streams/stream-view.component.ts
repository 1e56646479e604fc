import { Component, ElementRef, OnDestroy, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import { DecimalPipe } from '@angular/common';
import { Router, RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';
import { AnalystViewComponent } from '../analyst/analyst-view.component';
import { mediaClock } from '../analyst/exposure';
import { ApiService } from '../core/api.service';
import { FirebaseService } from '../core/firebase.service';
import { SessionService } from '../core/session.service';
import { StreamsService } from '../core/streams.service';
import { OverlayOptions } from '../player/overlay';
import { PlayerComponent } from '../player/player.component';
import { TranscriptStripComponent } from '../player/transcript-strip.component';
import { PanelsComponent } from '../results/panels.component';
import { ResultsStore } from '../results/results-store';
import { WarningsComponent } from '../results/warnings.component';
import { IconComponent } from '../ui/icon.component';
import { ControlComponent } from './control.component';
import { ObsSetupComponent } from './obs-setup.component';
import { StreamActions, displayName } from './stream-actions';
import { playbackUrl } from '../core/playback-url';

/** `#/streams/:id`: one stream — player with its overlay and the live brands beside it, the
 *  analyst's exposure right under it (primary), then the operator's detection details and
 *  settings (secondary; one column: player, exposure, brands, details). Provides the `ResultsStore` the player, panels and control share,
 *  fed by this stream's Firestore listeners. */
@Component({
  selector: 'ma-stream-view',
  imports: [DecimalPipe, RouterLink, MatButtonModule, MatMenuModule, IconComponent, PlayerComponent, PanelsComponent,
            ControlComponent, ObsSetupComponent, WarningsComponent, AnalystViewComponent, TranscriptStripComponent],
  providers: [ResultsStore],
  template: `
    <div class="head">
      <a mat-icon-button routerLink="/" aria-label="All streams" class="back"><ma-icon name="back" /></a>
      <h1 data-testid="stream-title">{{ title() }}</h1>
      @if (stream(); as s) {
        <span class="ma-chip" [class]="s.status" data-testid="stream-status">{{ statusLabel() }}</span>
      }
      <span class="spacer"></span>
      @if (session.canControl() && stream()) {
        <button mat-icon-button [matMenuTriggerFor]="menu" [attr.aria-label]="'Actions for ' + title()" data-testid="stream-menu">
          <ma-icon name="more" /></button>
        <mat-menu #menu="matMenu">
          <button mat-menu-item (click)="rotate()" data-testid="rotate-key"><ma-icon name="key" /> Rotate stream key…</button>
          <button mat-menu-item (click)="remove()" data-testid="delete-stream" class="danger"><ma-icon name="delete" /> Delete stream…</button>
        </mat-menu>
      }
    </div>
    @if (error()) { <p class="error-text" role="alert">{{ error() }}</p> }
    @if (issued(); as created) { <ma-obs-setup [issued]="created" (done)="streams.issued.set(null)" /> }
    @if (missing()) {
      <div class="ma-card"><h2>This stream does not exist</h2>
        <p class="muted">It may have been deleted. <a routerLink="/">Back to the streams</a></p></div>
    }

    <!-- The analyst's results first: the player, the brands beside it and the exposure
         right under it; the operator's detection details and settings below them. -->
    <div class="layout" [class.hidden]="missing()">
      <section class="watch" aria-label="Player" #watch>
        <ma-player [playlist]="playlist()" [options]="overlay()" [streamStatus]="stream()?.status ?? null" />
        <ma-transcript-strip [mediaTime]="player()?.mediaTime() ?? null" (seek)="seek($event)" (openSettings)="openSettings()" />
        @if (seekNote()) { <p class="seek-note" role="status" data-testid="seek-note">{{ seekNote() }}</p> }
        <ma-warnings panel="player" />
      </section>
      @if (stream() && !missing()) {
        <section class="brands" aria-label="Brands, live"><ma-panels part="brands" (seek)="seek($event)" /></section>
        <ma-analyst class="analysis" [streamId]="id()" [held]="player()?.held() ?? null" (seek)="seek($event)" />
        <section class="operator-area" aria-labelledby="details-title" data-testid="detection-details">
          <h2 id="details-title">Detection details <span class="summary-sub">what the models see, for operators</span></h2>
          <div class="overlay-controls" role="group" aria-label="Player overlay">
            <label><input #objectsBox type="checkbox" [checked]="showObjects()" (change)="showObjects.set(objectsBox.checked)"
                          data-testid="toggle-objects" /> Objects</label>
            <label><input #logosBox type="checkbox" [checked]="showLogos()" (change)="showLogos.set(logosBox.checked)"
                          data-testid="toggle-logos" /> Logos</label>
            <label [title]="textLayerHint()"><input #textBox type="checkbox" [checked]="showText()" (change)="showText.set(textBox.checked)"
                          data-testid="toggle-text" /> Text <span class="key text" aria-hidden="true"></span>
              @if (!signals().text) { <span class="off">(off for this stream)</span> }</label>
            <label title="Every line of text read on screen, faint, behind the boxes"><input #ocrBox type="checkbox" [checked]="showOcrLines()"
                          (change)="showOcrLines.set(ocrBox.checked)" data-testid="toggle-ocr-lines" /> All text read</label>
            <label class="range">Boxes from
              <input #minScoreRange type="range" min="0" max="1" step="0.05" [value]="minScore()" (input)="minScore.set(+minScoreRange.value)"
                     data-testid="min-score" /> {{ minScore() * 100 | number: '1.0-0' }} % confidence</label>
          </div>
          <ma-panels part="details" class="details" />
          <ma-warnings panel="processing" />
          <details class="operator" [open]="operatorOpen()" (toggle)="operatorOpen.set(operatorDetails.open)" #operatorDetails
                   data-testid="stream-settings">
            <summary>Stream settings <span class="summary-sub">Processing and performance · brand signals</span></summary>
            <ma-control />
          </details>
        </section>
      }
    </div>
  `,
  styles: `
    .head { display: flex; align-items: center; gap: var(--ma-space-2); margin-bottom: var(--ma-space-3); flex-wrap: wrap; }
    .head h1 { margin: 0; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .spacer { flex: 1; }
    .danger { color: var(--ma-error); }
    .layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(320px, 400px); gap: var(--ma-space-4); align-items: start;
              grid-template-areas: 'watch brands' 'analysis analysis' 'operator operator'; }
    .watch { grid-area: watch; }
    .brands { grid-area: brands; }
    .analysis { grid-area: analysis; }
    .operator-area { grid-area: operator; }
    .layout.hidden { display: none; }
    .overlay-controls { display: flex; flex-wrap: wrap; gap: var(--ma-space-4); align-items: center; font-size: var(--ma-text-sm);
                        margin: var(--ma-space-2) 0 var(--ma-space-3); }
    .overlay-controls label { display: inline-flex; align-items: center; gap: var(--ma-space-1); }
    .overlay-controls .key.text { display: inline-block; width: 16px; height: 10px; border: 2px dashed var(--ma-text-box); border-radius: 2px; }
    .overlay-controls .off { color: var(--ma-text-muted); font-size: var(--ma-text-xs); }
    .summary-sub { font-weight: 400; color: var(--ma-text-muted); font-size: var(--ma-text-sm); margin-left: var(--ma-space-2); }
    .watch { scroll-margin-top: 72px; }
    .seek-note { margin: var(--ma-space-2) 0 0; color: var(--ma-warn); font-size: var(--ma-text-sm); }
    .analysis { display: grid; margin-top: var(--ma-space-2); }
    .operator-area { margin-top: var(--ma-space-4); display: grid; gap: var(--ma-space-2); min-width: 0; }
    .operator-area h2 { margin: 0; font-size: var(--ma-text-lg); }
    .operator-area .overlay-controls { margin: 0; }
    .details { grid-template-columns: repeat(auto-fit, minmax(min(300px, 100%), 1fr)); align-items: start; }
    .operator { background: var(--ma-surface); border: 1px solid var(--ma-border); border-radius: var(--ma-radius);
                padding: var(--ma-space-2) var(--ma-space-3); }
    .operator summary { cursor: pointer; font-weight: 600; padding: var(--ma-space-1) 0; }
    /* One column: the exposure right after the player, the live brands after it. */
    @media (max-width: 1000px) {
      .layout { grid-template-columns: minmax(0, 1fr); grid-template-areas: 'watch' 'analysis' 'brands' 'operator'; }
      .analysis { margin-top: 0; }
    }
  `,
})
export class StreamViewComponent implements OnDestroy {
  /** The route's :id. */
  readonly id = input.required<string>();
  protected readonly session = inject(SessionService);
  protected readonly streams = inject(StreamsService);
  private readonly store = inject(ResultsStore);
  private readonly firebase = inject(FirebaseService);
  private readonly api = inject(ApiService);
  private readonly actions = inject(StreamActions);
  private readonly router = inject(Router);
  protected readonly player = viewChild(PlayerComponent);
  private readonly watch = viewChild<ElementRef<HTMLElement>>('watch');
  /** Why the last seek could not happen (that moment has left the player's window). */
  readonly seekNote = signal('');
  private stopStream?: () => void;

  readonly showObjects = signal(true);
  readonly showLogos = signal(true);
  readonly showText = signal(true);
  readonly showOcrLines = signal(false);
  readonly minScore = signal(0.3);
  readonly operatorOpen = signal(false);
  readonly error = signal('');
  readonly overlay = computed<OverlayOptions>(() => ({
    objects: this.showObjects(),
    logos: this.showLogos(),
    text: this.showText(),
    ocrLines: this.showOcrLines(),
    minScore: this.minScore(),
  }));
  readonly signals = computed(() => this.store.signals());
  readonly textLayerHint = computed(() =>
    this.signals().text
      ? 'Brand names read on screen: dashed boxes with what was read'
      : 'On-screen text is off for this stream: nothing new is read (turn it on in stream settings)',
  );
  /** The stream document, from this stream's own listener (the list may lag behind). */
  readonly stream = computed(() => this.store.stream() ?? this.streams.selected());
  /** Live: the last minute's playlist. Ended: the whole recording (the API's VOD playlist). */
  readonly playlist = computed(() => playbackUrl(this.stream()?.playlist, this.stream()?.status));
  /** The list has loaded and this stream is not in it (nor just created: the list may
   *  not have caught up with it yet). */
  readonly missing = computed(
    () => this.streams.loaded() && !this.streams.selected() && !this.store.stream() && !this.issued(),
  );
  readonly title = computed(() => {
    const s = this.stream();
    return s ? displayName(s) : this.id();
  });
  readonly statusLabel = computed(() => ({ live: 'Live', idle: 'Idle', ended: 'Ended' })[this.stream()?.status ?? 'idle']);
  /** OBS settings just issued for this stream (created or key rotated). */
  readonly issued = computed(() => {
    const issued = this.streams.issued();
    return issued?.stream.stream_id === this.id() ? issued : null;
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.select(id));
    });
  }

  private async select(id: string): Promise<void> {
    this.stopStream?.();
    this.store.clear();
    this.streams.selectedId.set(id);
    this.error.set('');
    try {
      const authorization = await this.api.authorization();
      this.player()?.setAuthorization(authorization);
      const stop = await this.firebase.watchStream(id, this.store);
      if (this.id() !== id) stop();
      else this.stopStream = stop;
      // The switches the stream never set follow the deployment's defaults: the API says which.
      this.api.getStream(id).then(
        (s) => this.id() === id && this.store.signalDefaults.set(s.signals ?? {}),
        () => undefined, // an API without the field: absent switches read as on
      );
    } catch (e) {
      this.error.set(`Cannot follow this stream: ${e instanceof Error ? e.message : e}`);
    }
  }

  /** Unfold the stream settings and bring its brand signals into view (the transcript's
   *  "turn speech on" link). */
  openSettings(): void {
    this.operatorOpen.set(true);
    setTimeout(() => document.getElementById('stream-signals')?.scrollIntoView({ block: 'center', behavior: 'smooth' }));
  }

  /** Play from a stream media time (an appearance, the brand timeline), and bring the
   *  player into view; say so when the player no longer holds that moment. */
  seek(mediaTime: number): void {
    const player = this.player();
    if (player?.seekToMedia(mediaTime)) {
      this.seekNote.set('');
      this.watch()?.nativeElement.scrollIntoView({ block: 'start', behavior: 'smooth' });
      return;
    }
    const held = player?.held();
    this.seekNote.set(
      held
        ? `${mediaClock(mediaTime)} is no longer in the player: it holds ${mediaClock(held.start)} – ${mediaClock(held.end)} ` +
            '(the newest minute of the stream). The evidence frame shows that moment.'
        : 'The player has no video of that moment yet.',
    );
  }

  async rotate(): Promise<void> {
    const s = this.stream();
    if (!s) return;
    try {
      await this.actions.rotate(s);
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    }
  }

  async remove(): Promise<void> {
    const s = this.stream();
    if (!s) return;
    try {
      if (await this.actions.remove(s)) await this.router.navigate(['/']);
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    }
  }

  ngOnDestroy(): void {
    this.stopStream?.();
    this.streams.selectedId.set(null);
  }
}
