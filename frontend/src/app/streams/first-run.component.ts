import { Component, inject } from '@angular/core';
import { SessionService } from '../core/session.service';
import { CreateStreamComponent } from './create-stream.component';

/** The empty state of a new installation: create a stream → paste into OBS → add brands. */
@Component({
  selector: 'ma-first-run',
  imports: [CreateStreamComponent],
  template: `
    <section class="first-run" data-testid="first-run">
      <h1>Measure brand exposure in your live streams</h1>
      <p class="lead">Stream from OBS; every logo on screen is found, timed and counted while you broadcast.</p>
      @if (session.canControl()) {
        <ol class="steps">
          <li class="ma-card current">
            <span class="n">1</span>
            <div>
              <h2>Create a stream</h2>
              <p class="muted">Name it after the show or the channel. You get the settings to paste into OBS.</p>
              <ma-create-stream placeholder="Stream name, e.g. “Saturday match”" />
            </div>
          </li>
          <li class="ma-card">
            <span class="n">2</span>
            <div><h2>Paste into OBS</h2>
              <p class="muted">Server and stream key (with copy buttons), keyframe interval 2 s. Start streaming.</p></div>
          </li>
          <li class="ma-card">
            <span class="n">3</span>
            <div><h2>Add the brands to monitor</h2>
              <p class="muted">Upload a logo or two per brand; the dashboard checks each one can be found.</p></div>
          </li>
        </ol>
      } @else {
        <div class="ma-card">
          <h2>No streams yet</h2>
          <p class="muted">An admin creates streams. They appear here as soon as they exist, and their results while they are live.</p>
        </div>
      }
    </section>
  `,
  styles: `
    .first-run { max-width: 760px; margin: var(--ma-space-6) auto; }
    h1 { font-size: var(--ma-text-xxl); }
    .lead { color: var(--ma-text-muted); font-size: var(--ma-text-lg); margin-bottom: var(--ma-space-5); }
    .steps { list-style: none; padding: 0; margin: 0; display: grid; gap: var(--ma-space-3); }
    .steps li { display: flex; gap: var(--ma-space-4); align-items: flex-start; }
    .steps li > div { flex: 1; min-width: 0; }
    .steps li:not(.current) { opacity: 0.75; }
    .steps li.current { border-color: var(--ma-primary); }
    .n { flex: none; width: 32px; height: 32px; border-radius: 50%; display: grid; place-items: center; font-weight: 700;
         background: var(--ma-surface-2); }
    .current .n { background: var(--ma-primary); color: #000; }
    @media (max-width: 520px) { .first-run { margin-top: var(--ma-space-3); } h1 { font-size: var(--ma-text-xl); } }
  `,
})
export class FirstRunComponent {
  protected readonly session = inject(SessionService);
}
