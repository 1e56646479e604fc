import { Component, inject, input, signal } from '@angular/core';
import { Router } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { ApiService } from '../core/api.service';
import { StreamsService } from '../core/streams.service';

/** Create a stream (admin): it opens at once, with its OBS settings. */
@Component({
  selector: 'ma-create-stream',
  imports: [MatButtonModule],
  template: `
    <form (submit)="create($event)" class="create">
      <label class="visually-hidden" for="new-stream-name">New stream name</label>
      <input #nameInput id="new-stream-name" name="name" type="text" [placeholder]="placeholder()" [value]="name()"
             (input)="name.set(nameInput.value)" data-testid="new-stream-name" maxlength="100" autocomplete="off" />
      <button mat-flat-button type="submit" [disabled]="!name().trim() || busy()">Create</button>
    </form>
    @if (error()) { <p class="error-text" role="alert">{{ error() }}</p> }
  `,
  styles: `
    .create { display: flex; gap: var(--ma-space-2); }
    .create input { flex: 1; min-width: 0; padding: 8px 10px; font-size: var(--ma-text-md); }
  `,
})
export class CreateStreamComponent {
  readonly placeholder = input('New stream name');
  readonly name = signal('');
  readonly busy = signal(false);
  readonly error = signal('');
  private readonly api = inject(ApiService);
  private readonly streams = inject(StreamsService);
  private readonly router = inject(Router);

  async create(event: Event): Promise<void> {
    event.preventDefault();
    this.busy.set(true);
    this.error.set('');
    try {
      const created = await this.api.createStream(this.name().trim());
      this.streams.issued.set(created);
      this.name.set('');
      await this.router.navigate(['/streams', created.stream.stream_id]);
    } catch (e) {
      this.error.set(`Could not create the stream: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.busy.set(false);
    }
  }
}
