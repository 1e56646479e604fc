import { BrandNames } from '../core/brand-names';
import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { mediaClock } from '../analyst/exposure';
import { SessionService } from '../core/session.service';
import { ResultsStore } from '../results/results-store';
import { WarningsComponent } from '../results/warnings.component';
import { IconComponent } from '../ui/icon.component';
import { TranscriptToken, speechNoteAt, transcriptWindow } from './transcript';

/** States worth saying beside words that are shown (a problem at the moment on screen). */
const PROBLEMS = new Set(['off', 'shed', 'no_audio', 'unavailable', 'failed']);

/**
 * The live transcript under the player: the words said around the media time on screen
 * (two caption lines, newest at the bottom right, what is still to come faint), brand
 * mentions as chips in the brand's colour that play from where they were said. Where no
 * word is shown it says why: speech off for the stream, no audio, silence, skipped to keep
 * up with live, unavailable or failed (the warning beside it says what to do).
 */
@Component({
  selector: 'ma-transcript-strip',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IconComponent, WarningsComponent],
  template: `
    <section class="strip" aria-label="Transcript" data-testid="transcript" [attr.data-status]="note().status">
      <div class="head">
        <ma-icon name="speech" [size]="16" />
        <span class="title">Transcript</span>
        @if (time() !== null) { <span class="clock">{{ clock(time()!) }}</span> }
        @if (showNote()) {
          <span class="note" [class.problem]="problem()" data-testid="transcript-state">{{ note().message }}
            @if (note().status === 'off' && offForStream() && session.canControl()) {
              <button type="button" class="link" (click)="openSettings.emit()" data-testid="transcript-settings">Turn it on</button>
            }
          </span>
        }
      </div>
      <p class="words" data-testid="transcript-words" aria-live="off">
        @for (t of tokens(); track t.start + t.text) {
          @if (t.kind === 'mention') {
            <button type="button" class="mention" [class]="t.when" [style.--brand]="colour()(t.brand!)"
                    (click)="seek.emit(t.start)" data-testid="transcript-mention" [attr.data-brand]="t.brand" [attr.data-start]="t.start"
                    [attr.aria-label]="t.brand + ' said at ' + clock(t.start) + ': play from there'"
                    [title]="t.brand + ' said at ' + clock(t.start) + ' — click to play from there'">
              <span class="said">{{ t.text }}</span> <span class="brand">{{ t.brand }}</span> </button>
          } @else {
            <span class="word" [class]="t.when">{{ t.text }} </span>
          }
        } @empty {
          <span class="empty" data-testid="transcript-empty">{{ note().message }}
            @if (note().status === 'off' && offForStream()) {
              @if (session.canControl()) {
                <button type="button" class="link" (click)="openSettings.emit()" data-testid="transcript-settings">Turn it on in stream settings</button>
              } @else { <span>An admin can turn it on in stream settings.</span> }
            }
          </span>
        }
      </p>
    </section>
    <ma-warnings panel="transcript" />
  `,
  styles: `
    :host { display: block; }
    .strip { background: var(--ma-surface); border: 1px solid var(--ma-border); border-top: 0;
             padding: var(--ma-space-1) var(--ma-space-3) var(--ma-space-2); border-radius: 0 0 var(--ma-radius) var(--ma-radius); }
    .head { display: flex; align-items: center; gap: var(--ma-space-2); font-size: var(--ma-text-xs); color: var(--ma-text-muted);
            min-height: 22px; flex-wrap: wrap; }
    .title { font-weight: 600; color: var(--ma-text); text-transform: uppercase; letter-spacing: 0.04em; }
    .clock { font-variant-numeric: tabular-nums; }
    .note { flex: 1 1 auto; text-align: right; min-width: 0; }
    .note.problem { color: var(--ma-warn); }
    .link { font: inherit; color: var(--ma-primary); background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline; }
    /* Two caption lines, the newest at the bottom: older lines leave at the top. */
    .words { --line: 30px; display: flex; flex-wrap: wrap; align-content: flex-end; align-items: center; gap: 0 0.4em;
             height: calc(2 * var(--line)); overflow: hidden; margin: 0; font-size: var(--ma-text-lg); line-height: var(--line); }
    .word.past { color: var(--ma-text); }
    .word.now { color: #fff; font-weight: 600; text-decoration: underline 2px var(--ma-primary); text-underline-offset: 4px; }
    .word.ahead { color: var(--ma-text-muted); opacity: 0.55; }
    .mention { font: inherit; display: inline-flex; align-items: baseline; gap: 6px; height: 26px; line-height: 24px; cursor: pointer;
               padding: 0 8px; border-radius: 999px; border: 1px solid var(--brand); background: color-mix(in srgb, var(--brand) 28%, transparent);
               color: #fff; font-weight: 600; }
    .mention .brand { font-size: var(--ma-text-xs); font-weight: 500; color: var(--brand); text-transform: lowercase; }
    .mention.ahead { opacity: 0.55; }
    .mention.now { background: var(--brand); color: #000; } .mention.now .brand { color: #000; }
    .mention:hover, .mention:focus-visible { outline: 2px solid var(--ma-primary); outline-offset: 1px; }
    .empty { color: var(--ma-text-muted); font-size: var(--ma-text-sm); align-self: center; line-height: 1.4; }
    @media (max-width: 600px) { .words { --line: 26px; font-size: var(--ma-text-md); } .note { text-align: left; flex-basis: 100%; } }
  `,
})
export class TranscriptStripComponent {
  /** The stream media time on screen (the player's), null while nothing plays. */
  readonly mediaTime = input<number | null>(null);
  /** Play from this media time (a mention was clicked). */
  readonly seek = output<number>();
  /** The user wants the stream's settings (speech is off). */
  readonly openSettings = output<void>();

  protected readonly session = inject(SessionService);
  private readonly store = inject(ResultsStore);

  /** The moment followed: the player's, else (nothing playing) the newest word said. */
  readonly time = computed<number | null>(() => {
    const t = this.mediaTime();
    if (t !== null) return t;
    const words = this.store.words();
    const mentions = this.store.mentions();
    const last = Math.max(words.at(-1)?.end ?? -Infinity, mentions.at(-1)?.end ?? -Infinity);
    return Number.isFinite(last) ? last : null;
  });
  readonly tokens = computed<TranscriptToken[]>(() => {
    const t = this.time();
    return t === null ? [] : transcriptWindow(this.store.words(), this.store.mentions(), t);
  });
  readonly note = computed(() => speechNoteAt(this.store.stream(), this.store.segments(), this.mediaTime(), this.store.signals()));
  readonly offForStream = computed(() => !this.store.signals().speech);
  readonly problem = computed(() => PROBLEMS.has(this.note().status));
  /** Beside the words: only a problem (without words, the note is the strip's text). */
  readonly showNote = computed(() => this.tokens().length > 0 && this.problem());
  /** Brand colours: each brand's own in the library, as on every page. */
  readonly colour = inject(BrandNames).colour;

  readonly clock = mediaClock;
}
