import { Component, input, output, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { CreatedStream } from '../core/api.service';
import { IconComponent } from '../ui/icon.component';

/** Step 2 of the first run: what to paste into OBS (the key is shown only now), then on to
 *  brands. Shown on the stream's page right after it is created or its key rotated. */
@Component({
  selector: 'ma-obs-setup',
  imports: [RouterLink, MatButtonModule, IconComponent],
  template: `
    <section class="ma-card obs" data-testid="created-stream" aria-labelledby="obs-title">
      <h2 id="obs-title">Connect OBS to “{{ issued().stream.name }}”</h2>
      <p class="muted">In OBS: <b>Settings › Stream</b>, Service <b>{{ issued().obs.service }}</b>, then paste these two values.
        The key is shown only now: copy it before you leave this page.</p>
      <div class="field">
        <span class="label">Server</span>
        <code data-testid="obs-server">{{ issued().obs.server }}</code>
        <button mat-stroked-button type="button" (click)="copy('server', issued().obs.server)" [attr.aria-label]="'Copy server'">
          <ma-icon name="copy" [size]="16" /> {{ copied() === 'server' ? 'Copied' : 'Copy' }}</button>
      </div>
      <div class="field">
        <span class="label">Stream key</span>
        <code data-testid="stream-key">{{ issued().obs.stream_key }}</code>
        <button mat-stroked-button type="button" (click)="copy('key', issued().obs.stream_key)" [attr.aria-label]="'Copy stream key'">
          <ma-icon name="copy" [size]="16" /> {{ copied() === 'key' ? 'Copied' : 'Copy' }}</button>
      </div>
      <p>Then <b>Settings › Output</b> (Output Mode: Advanced): <b>Keyframe Interval {{ issued().obs.keyframe_interval_s }} s</b>
        — segments are cut at keyframes, so a longer interval delays every result. Start streaming: this page plays the
        stream and its results as soon as they arrive.</p>
      <div class="actions">
        <a mat-flat-button routerLink="/brands" data-testid="next-brands">Next: add the brands to monitor</a>
        <button mat-button type="button" (click)="done.emit()">Hide these settings</button>
      </div>
    </section>
  `,
  styles: `
    .obs { border-color: var(--ma-primary); margin-bottom: var(--ma-space-4); }
    .field { display: grid; grid-template-columns: 90px minmax(0, 1fr) auto; gap: var(--ma-space-2); align-items: center;
             margin: var(--ma-space-2) 0; }
    .label { color: var(--ma-text-muted); font-size: var(--ma-text-sm); }
    code { background: var(--ma-surface-2); padding: 6px 8px; border-radius: var(--ma-radius-sm); word-break: break-all; }
    .actions { display: flex; flex-wrap: wrap; gap: var(--ma-space-2); margin-top: var(--ma-space-3); }
    @media (max-width: 520px) { .field { grid-template-columns: minmax(0, 1fr) auto; } .label { grid-column: 1 / -1; } }
  `,
})
export class ObsSetupComponent {
  readonly issued = input.required<CreatedStream>();
  readonly done = output<void>();
  readonly copied = signal<'server' | 'key' | null>(null);

  copy(which: 'server' | 'key', text: string): void {
    void navigator.clipboard?.writeText(text).then(() => this.copied.set(which));
  }
}
