import { Component, inject, input, output, signal } from '@angular/core';
import { ApiService, CreatedStream } from '../core/api.service';
import { StreamDoc } from '../core/models';

/** Every stream with its status; create (key shown once), rotate key, delete. */
@Component({
  selector: 'ma-stream-list',
  template: `
    <h2>Streams</h2>
    <form (submit)="create($event)" class="create">
      <input #nameInput name="name" placeholder="New stream name" [value]="newName()" (input)="newName.set(nameInput.value)"
             data-testid="new-stream-name" maxlength="100" />
      <button type="submit" [disabled]="!newName().trim() || busy()">Create</button>
    </form>
    @if (error()) { <p class="error">{{ error() }}</p> }
    @if (created(); as c) {
      <div class="created" data-testid="created-stream">
        <p><b>{{ c.stream.name }}</b> created. In OBS, Settings &gt; Stream, Service "Custom...":</p>
        <label>Server <code>{{ c.obs.server }}</code> <button type="button" (click)="copy(c.obs.server)">Copy</button></label>
        <label>Stream Key <code data-testid="stream-key">{{ c.obs.stream_key }}</code>
          <button type="button" (click)="copy(c.obs.stream_key)">Copy</button></label>
        <p>Settings &gt; Output: Keyframe Interval <b>{{ c.obs.keyframe_interval_s }} s</b>. The key is shown only now.</p>
        <button type="button" (click)="created.set(null)">Done</button>
      </div>
    }
    <ul>
      @for (s of streams(); track s.id) {
        <li [class.selected]="s.id === selected()" (click)="select.emit(s.id)" [attr.data-stream]="s.id">
          <span class="name">{{ s.name || s.id }}</span>
          <span class="badge" [class]="s.status">{{ s.status === 'live' ? 'LIVE' : s.status }}</span>
          @if (s.warnings?.['keyframe_interval']) { <span class="warn" [title]="s.warnings?.['keyframe_interval']">keyframes</span> }
          @if (s.stats?.lag_s !== undefined) { <small>lag {{ s.stats?.lag_s?.toFixed(1) }} s</small> }
          <span class="actions">
            <button type="button" (click)="rotate(s.id, $event)" title="New stream key">Rotate key</button>
            <button type="button" (click)="remove(s.id, $event)" title="Delete stream">Delete</button>
          </span>
        </li>
      } @empty {
        <li class="empty">No streams yet.</li>
      }
    </ul>
  `,
  styles: `
    ul { list-style: none; padding: 0; margin: 0; }
    li { padding: 6px; border-bottom: 1px solid #333; cursor: pointer; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    li.selected { background: #1e2a38; }
    .badge { font-size: 11px; padding: 1px 6px; border-radius: 3px; background: #444; }
    .badge.live { background: #c62828; color: #fff; }
    .warn { font-size: 11px; background: #ff8f00; color: #000; padding: 1px 4px; border-radius: 3px; }
    .actions { margin-left: auto; display: flex; gap: 4px; }
    .actions button { font-size: 11px; }
    .created { background: #1b3320; padding: 8px; margin: 8px 0; }
    .created label { display: block; margin: 4px 0; }
    code { word-break: break-all; }
    .error { color: #ff6e6e; }
    .create { display: flex; gap: 4px; margin-bottom: 8px; }
  `,
})
export class StreamListComponent {
  readonly streams = input.required<StreamDoc[]>();
  readonly selected = input<string | null>(null);
  readonly select = output<string>();
  readonly newName = signal('');
  readonly created = signal<CreatedStream | null>(null);
  readonly error = signal('');
  readonly busy = signal(false);
  private readonly api = inject(ApiService);

  async create(event: Event): Promise<void> {
    event.preventDefault();
    await this.run(async () => {
      this.created.set(await this.api.createStream(this.newName().trim()));
      this.newName.set('');
    });
  }

  async rotate(id: string, event: Event): Promise<void> {
    event.stopPropagation();
    if (!confirm(`Issue a new key for ${id}? The current key stops working.`)) return;
    await this.run(async () => this.created.set(await this.api.rotateKey(id)));
  }

  async remove(id: string, event: Event): Promise<void> {
    event.stopPropagation();
    if (!confirm(`Delete ${id} with its key and results?`)) return;
    await this.run(() => this.api.deleteStream(id));
  }

  copy(text: string): void {
    void navigator.clipboard?.writeText(text);
  }

  private async run(action: () => Promise<unknown>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await action();
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    } finally {
      this.busy.set(false);
    }
  }
}
