import { Component, ElementRef, OnDestroy, computed, effect, inject, input, signal, viewChild } from '@angular/core';
import Hls, { ErrorData, Fragment } from 'hls.js/light';
import { RUNTIME_CONFIG } from '../core/config';
import { ResultsStore } from '../results/results-store';
import { OverlayOptions, contentRect, drawDetections, drawTextLines, visibleDetections } from './overlay';
import { FragmentSpan, frameAt, mediaTimeAt, videoTimeFor } from './time-mapping';
import { PlayerStatus, playerHint } from './player-hint';

export type { PlayerStatus } from './player-hint';

/** hls.js's fatal error for a recording that is not there: the playlist answered 404, or
 *  lists no segment. */
export function noRecordingError(data: Pick<ErrorData, 'details' | 'response'>): boolean {
  return (
    (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR && data.response?.code === 404) ||
    data.details === Hls.ErrorDetails.LEVEL_EMPTY_ERROR ||
    data.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR
  );
}

/** How long the text read on screen stays drawn without a newer OCR'd frame, s (OCR reads
 *  fewer frames than the logo detector: its results are held from one read to the next). */
const TEXT_HOLD_S = 4.2;
/** The media time published to the page (the transcript strip) moves in steps of this
 *  much, s: fine enough to follow words, without a page update on every video frame. */
const MEDIA_TIME_STEP_S = 0.2;

/** How far (in target durations) a live player may fall behind before hls.js jumps to the
 *  live edge; lifted while the user watches an earlier moment (seekToMedia). */
const LIVE_MAX_LATENCY_COUNT = 6;

/** What the overlay drew for the presented frame: kept as JSON in the canvas's
 *  `data-overlay` attribute, where the e2e sync measurement (and a person debugging in
 *  the devtools) reads it. */
export interface OverlayNow {
  /** the presented frame's time on the video element (requestVideoFrameCallback) */
  videoTime: number;
  /** that frame's stream media time */
  mediaTime: number;
  /** media time of the sampled frame whose results are now drawn */
  frameT: number | null;
  boxes: number;
  /** media time of the OCR'd frame whose text is drawn (text layers) */
  textT: number | null;
  /** the boxes drawn, in canvas pixels (kind text: `text` is what was read) */
  drawn: { label: string; kind: string; text?: string; x: number; y: number; width: number; height: number }[];
  /** faint OCR lines drawn (the "all text read" layer) */
  ocrLines: number;
}

/** hls.js live player with a canvas overlay redrawn on every presented video frame; the
 *  results come from the injected store of the selected stream. */
@Component({
  selector: 'ma-player',
  template: `
    <div class="stage">
      <video #video controls muted playsinline></video>
      <canvas #canvas data-testid="overlay"></canvas>
    </div>
    <!-- Below the picture, not over it: a badge on the video would hide the boxes' labels. -->
    <div class="statusbar">
      <span class="status" [class]="status()" data-testid="player-status">{{ status() }}</span>
      <span class="hint" data-testid="player-hint">{{ reviewing() ? 'Playing from an earlier moment; the live edge waits.' : hint() }}</span>
      @if (reviewing()) {
        <button type="button" class="live-btn" (click)="goLive()" data-testid="go-live">Back to live</button>
      }
    </div>
  `,
  styles: `
    :host { display: block; }
    .stage { position: relative; background: #000; aspect-ratio: 16 / 9; border-radius: var(--ma-radius) var(--ma-radius) 0 0;
             overflow: hidden; }
    video, canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
    canvas { pointer-events: none; }
    .statusbar { display: flex; align-items: center; gap: var(--ma-space-2); padding: var(--ma-space-1) var(--ma-space-2);
                 background: var(--ma-surface); border: 1px solid var(--ma-border); border-top: 0;
                 font-size: var(--ma-text-xs); color: var(--ma-text-muted); } /* the transcript strip closes the card below */
    .status { padding: 1px 8px; border-radius: 999px; background: var(--ma-surface-2); color: var(--ma-text);
              font-weight: 600; text-transform: capitalize; }
    .status.playing { background: var(--ma-live); color: #fff; }
    .status.error { background: var(--ma-error-bg); color: var(--ma-error); }
    .hint { flex: 1; min-width: 0; }
    .live-btn { font: inherit; font-weight: 600; color: #fff; background: var(--ma-live); border: 0; border-radius: 999px;
                padding: 1px 10px; cursor: pointer; }
  `,
})
export class PlayerComponent implements OnDestroy {
  readonly playlist = input<string | null>(null);
  readonly options = input.required<OverlayOptions>();
  /** How long a sampled frame's results stay on screen when no newer sample exists, s. */
  readonly hold = input(2.2);
  /** The stream's own status (live, idle, ended): what the player says when it has no video. */
  readonly streamStatus = input<string | null>(null);

  readonly status = signal<PlayerStatus>('idle');
  /** The stream media time on screen (in MEDIA_TIME_STEP_S steps); null before a frame
   *  of a known segment was shown. */
  readonly mediaTime = signal<number | null>(null);
  /** What the status means for the user. */
  readonly hint = computed(() => playerHint(this.status(), this.streamStatus(), !!this.playlist(), this.noRecording()));
  /** The ended stream's recording has no segment (the API's 404): nothing to play. */
  readonly noRecording = signal(false);
  /** The user chose an earlier moment of a live stream: hls.js does not pull it back to live. */
  readonly reviewing = signal(false);
  /** Bumped when the fragments known change (for `held`). */
  private readonly spansVersion = signal(0);
  /** The stream media time the player can seek to now (its playlist's window, where the
   *  segments' media starts are known); null before any is. */
  readonly held = computed<{ start: number; end: number } | null>(() => {
    this.spansVersion();
    let start = Infinity;
    let end = -Infinity;
    for (const f of this.spans) {
      const mediaStart = this.store.mediaStartOf(f.sn);
      if (mediaStart === null || mediaStart === undefined) continue;
      start = Math.min(start, mediaStart);
      end = Math.max(end, mediaStart + f.duration);
    }
    return end > start ? { start, end } : null;
  });
  private readonly config = inject(RUNTIME_CONFIG);
  private readonly store = inject(ResultsStore);
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private hls?: Hls;
  private authorization = '';
  private readonly fragments = new Map<number, FragmentSpan & { parsed: boolean }>();
  private spans: FragmentSpan[] = [];
  private retryDelay = 1000;
  private frameCallback = 0;

  constructor() {
    effect(() => this.attach(this.playlist()));
  }

  /** Called by the host once it knows the user's credential for API playlists. */
  setAuthorization(value: string): void {
    this.authorization = value;
  }

  /** Shows the frame at a stream media time, if the playlist still lists its segment (a
   *  live playlist holds the last ~60 s; an ended stream's stays). On a live stream the
   *  player then stays there (`reviewing`) until goLive(). */
  seekToMedia(mediaTime: number): boolean {
    const target = videoTimeFor(mediaTime, this.spans, this.store.mediaStartOf);
    if (target === undefined) return false;
    const video = this.video().nativeElement;
    const hls = this.hls;
    if (hls && hls.levels[hls.currentLevel]?.details?.live) {
      hls.config.liveMaxLatencyDurationCount = Infinity;
      this.reviewing.set(true);
    }
    video.currentTime = target;
    if (video.paused) video.play().catch(() => undefined);
    return true;
  }

  /** Back to the live edge after seekToMedia. */
  goLive(): void {
    this.reviewing.set(false);
    const hls = this.hls;
    if (!hls) return;
    hls.config.liveMaxLatencyDurationCount = LIVE_MAX_LATENCY_COUNT;
    const edge = hls.liveSyncPosition;
    if (edge !== null) this.video().nativeElement.currentTime = edge;
  }

  ngOnDestroy(): void {
    this.detach();
  }

  private attach(url: string | null): void {
    this.detach();
    const video = this.video().nativeElement;
    video.muted = true; // autoplay is only allowed muted; set in code, not just the attribute
    this.noRecording.set(false);
    if (!url) {
      this.status.set(this.streamStatus() === 'ended' ? 'ended' : 'idle');
      return;
    }
    this.status.set('connecting');
    const apiBase = this.config.apiBase;
    const hls = new Hls({
      liveSyncDurationCount: 2,
      liveMaxLatencyDurationCount: LIVE_MAX_LATENCY_COUNT,
      maxLiveSyncPlaybackRate: 1.5, // catch up with the live edge by playing faster
      xhrSetup: (xhr, requestUrl) => {
        if (this.authorization && requestUrl.startsWith(apiBase)) {
          xhr.setRequestHeader('Authorization', this.authorization);
        }
      },
    });
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.retryDelay = 1000;
      video.play().catch(() => this.status.set('error'));
    });
    hls.on(Hls.Events.LEVEL_UPDATED, (_, data) => {
      this.remember(data.details.fragments);
      if (!data.details.live) this.reviewing.set(false); // the stream ended: nothing to go back to
    });
    hls.on(Hls.Events.FRAG_PARSED, (_, data) => this.remember([data.frag]));
    hls.on(Hls.Events.ERROR, (_, data) => this.onError(data));
    video.onplaying = () => this.status.set('playing');
    video.onwaiting = () => this.status.set('buffering');
    video.onended = () => this.status.set('ended');
    hls.loadSource(url);
    hls.attachMedia(video);
    this.frameCallback = video.requestVideoFrameCallback((_, meta) => this.onFrame(meta.mediaTime));
  }

  private detach(): void {
    const video = this.video()?.nativeElement;
    if (video && this.frameCallback) video.cancelVideoFrameCallback(this.frameCallback);
    this.frameCallback = 0;
    this.hls?.destroy();
    this.hls = undefined;
    this.fragments.clear();
    this.spans = [];
    this.spansVersion.update((v) => v + 1);
    this.reviewing.set(false);
    this.mediaTime.set(null);
  }

  private remember(frags: readonly Fragment[]): void {
    for (const f of frags) {
      if (typeof f.sn !== 'number') continue;
      // Once parsed, a fragment's start is its real first PTS on the video timeline;
      // before that only the playlist's estimate, which must not overwrite it.
      const parsed = Number.isFinite(f.startPTS);
      const known = this.fragments.get(f.sn);
      if (known?.parsed && !parsed) continue;
      const start = parsed ? (f.startPTS as number) : f.start;
      const duration = parsed && Number.isFinite(f.endPTS) ? (f.endPTS as number) - start : f.duration;
      this.fragments.set(f.sn, { sn: f.sn, start, duration, parsed });
    }
    this.spans = [...this.fragments.values()].sort((a, b) => a.start - b.start);
    this.spansVersion.update((v) => v + 1);
  }

  private onError(data: ErrorData): void {
    if (!data.fatal || !this.hls) return;
    if (this.streamStatus() === 'ended' && noRecordingError(data)) {
      // An ended stream whose recording holds no segment: nothing will come, say so.
      this.hls.destroy();
      this.hls = undefined;
      this.noRecording.set(true);
      this.status.set('ended');
      return;
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      // The stream may not be up yet, or the network blinked: retry with backoff. Without a
      // playlist there is nothing to resume, so that one is loaded again from scratch.
      this.status.set('reconnecting');
      const hls = this.hls;
      const url = this.playlist();
      const noManifest = !hls.levels?.length;
      setTimeout(() => {
        if (hls !== this.hls) return;
        if (noManifest && url) hls.loadSource(url);
        else hls.startLoad();
      }, this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, 15000);
    } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      this.hls.recoverMediaError();
    } else {
      this.status.set('error');
    }
  }

  private onFrame(videoTime: number): void {
    const video = this.video().nativeElement;
    this.draw(videoTime);
    this.frameCallback = video.requestVideoFrameCallback((_, meta) => this.onFrame(meta.mediaTime));
  }

  /** Draw the results that belong to the frame presented at `videoTime`. */
  draw(videoTime: number): void {
    const video = this.video().nativeElement;
    const canvas = this.canvas().nativeElement;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(canvas.clientWidth * ratio);
    const height = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    const store = this.store;
    const mediaTime = mediaTimeAt(videoTime, this.spans, store.mediaStartOf);
    if (mediaTime === undefined) return;
    const published = this.mediaTime();
    if (published === null || Math.abs(mediaTime - published) >= MEDIA_TIME_STEP_S) this.mediaTime.set(mediaTime);
    const options = this.options();
    const frame = frameAt(store.frames(), mediaTime, this.hold());
    // Text comes from the newest frame OCR read (not every sampled frame is read).
    const textFrame = options.text || options.ocrLines ? frameAt(store.ocrFrames(), mediaTime, TEXT_HOLD_S) : undefined;
    const area = contentRect(video.videoWidth, video.videoHeight, width, height);
    const lines = options.ocrLines && textFrame ? drawTextLines(ctx, textFrame.text ?? [], area).length : 0;
    const visible = [
      ...(frame ? visibleDetections(frame.detections, { ...options, text: false }) : []),
      ...(textFrame ? visibleDetections(textFrame.detections, { ...options, objects: false, logos: false }) : []),
    ];
    const boxes = drawDetections(ctx, visible, area);
    const now: OverlayNow = {
      videoTime,
      mediaTime,
      frameT: frame ? frame.t : null,
      boxes: boxes.length,
      textT: textFrame ? textFrame.t : null,
      drawn: boxes.map((b, i) => ({
        label: visible[i].label,
        kind: visible[i].kind,
        ...(visible[i].kind === 'text' ? { text: visible[i].text ?? '' } : {}),
        ...b,
      })),
      ocrLines: lines,
    };
    canvas.dataset['overlay'] = JSON.stringify(now);
  }
}
