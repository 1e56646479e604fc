import { Component, inject } from '@angular/core';
import { SessionService } from '../core/session.service';
import { StreamsService } from '../core/streams.service';
import { CreateStreamComponent } from './create-stream.component';
import { FirstRunComponent } from './first-run.component';
import { StreamListComponent } from './stream-list.component';

/** `#/`: every stream, newest first; the first-run walkthrough when there is none. */
@Component({
  selector: 'ma-streams-overview',
  imports: [StreamListComponent, CreateStreamComponent, FirstRunComponent],
  template: `
    @if (!streams.loaded()) {
      <p class="muted state" data-testid="streams-loading">
        @if (streams.listener() === 'offline') {
          Cannot reach the results database{{ streams.error() ? ': ' + streams.error() : '' }}. Retrying…
        } @else { Loading streams… }
      </p>
    } @else if (!streams.streams().length) {
      <ma-first-run />
    } @else {
      <div class="head">
        <h1>Streams</h1>
        @if (session.canControl()) { <ma-create-stream class="create" /> }
      </div>
      <ma-stream-list [streams]="streams.streams()" [selected]="streams.selectedId()" />
    }
  `,
  styles: `
    :host { display: block; max-width: 960px; margin: 0 auto; }
    .head { display: flex; flex-wrap: wrap; gap: var(--ma-space-3); align-items: center; justify-content: space-between;
            margin: var(--ma-space-2) 0 var(--ma-space-4); }
    .head h1 { margin: 0; }
    .create { flex: 1 1 320px; max-width: 480px; }
    .state { padding: var(--ma-space-6) 0; text-align: center; }
  `,
})
export class StreamsOverviewComponent {
  protected readonly streams = inject(StreamsService);
  protected readonly session = inject(SessionService);
}
