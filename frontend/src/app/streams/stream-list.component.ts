import { Component, inject, input, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';
import { brandCount, relativeTime } from '../core/format';
import { StreamDoc } from '../core/models';
import { SessionService } from '../core/session.service';
import { IconComponent } from '../ui/icon.component';
import { StreamActions, displayName } from './stream-actions';

/** Streams, newest first (the order they come in), with status and brand count; rotating
 *  a key and deleting are in each row's menu (admins only), behind a confirmation. */
@Component({
  selector: 'ma-stream-list',
  imports: [RouterLink, MatButtonModule, MatMenuModule, IconComponent],
  template: `
    @if (error()) { <p class="error-text" role="alert">{{ error() }}</p> }
    <ul class="rows" data-testid="stream-list">
      @for (s of streams(); track s.id) {
        <li [class.selected]="s.id === selected()" [attr.data-stream]="s.id">
          <a class="main" [routerLink]="['/streams', s.id]">
            <span class="name">{{ name(s) }}</span>
            <span class="meta">
              {{ brands(s) }} brand{{ brands(s) === 1 ? '' : 's' }} seen · {{ when(s) }}
            </span>
          </a>
          @if (s.warnings?.['keyframe_interval'] || s.analysis_warnings?.messages?.length) {
            <span class="ma-chip warn" title="This stream has warnings: open it to see them">warnings</span>
          }
          <span class="ma-chip" [class]="s.status" data-testid="stream-status">{{ statusLabel(s) }}</span>
          @if (session.canControl()) {
            <button mat-icon-button [matMenuTriggerFor]="menu" [matMenuTriggerData]="{ stream: s }"
                    [attr.aria-label]="'Actions for ' + name(s)" data-testid="stream-menu"><ma-icon name="more" /></button>
          }
        </li>
      }
    </ul>
    <mat-menu #menu="matMenu">
      <ng-template matMenuContent let-stream="stream">
        <button mat-menu-item (click)="rotate(stream)" data-testid="rotate-key"><ma-icon name="key" /> Rotate stream key…</button>
        <button mat-menu-item (click)="remove(stream)" data-testid="delete-stream" class="danger"><ma-icon name="delete" /> Delete stream…</button>
      </ng-template>
    </mat-menu>
  `,
  styles: `
    .rows { list-style: none; margin: 0; padding: 0; border: 1px solid var(--ma-border); border-radius: var(--ma-radius);
            background: var(--ma-surface); overflow: hidden; }
    li { display: flex; align-items: center; gap: var(--ma-space-2); padding: var(--ma-space-1) var(--ma-space-2) var(--ma-space-1) 0;
         border-bottom: 1px solid var(--ma-border); }
    li:last-child { border-bottom: 0; }
    li.selected { background: var(--ma-surface-2); }
    li:hover { background: var(--ma-surface-2); }
    .main { flex: 1; min-width: 0; display: flex; flex-direction: column; padding: var(--ma-space-2) var(--ma-space-3);
            color: inherit; text-decoration: none; }
    .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .meta { color: var(--ma-text-muted); font-size: var(--ma-text-xs); }
    .danger { color: var(--ma-error); }
  `,
})
export class StreamListComponent {
  readonly streams = input.required<StreamDoc[]>();
  readonly selected = input<string | null>(null);
  readonly error = signal('');
  protected readonly session = inject(SessionService);
  private readonly actions = inject(StreamActions);
  private readonly router = inject(Router);

  name = displayName;
  brands = (s: StreamDoc) => brandCount(s.brands);

  statusLabel(s: StreamDoc): string {
    return { live: 'Live', idle: 'Idle', ended: 'Ended' }[s.status] ?? s.status;
  }

  when(s: StreamDoc): string {
    if (s.status === 'live' && s.live_since) return `live since ${relativeTime(s.live_since)}`;
    if (s.status === 'ended' && s.ended_at) return `ended ${relativeTime(s.ended_at)}`;
    return s.created_at ? `created ${relativeTime(s.created_at)}` : 'not published yet';
  }

  async rotate(stream: StreamDoc): Promise<void> {
    await this.guard(async () => {
      if (await this.actions.rotate(stream)) await this.router.navigate(['/streams', stream.id]);
    });
  }

  async remove(stream: StreamDoc): Promise<void> {
    await this.guard(() => this.actions.remove(stream));
  }

  private async guard(action: () => Promise<unknown>): Promise<void> {
    this.error.set('');
    try {
      await action();
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    }
  }
}
