import { Component } from '@angular/core';

/** `#/history` (lazy): ended streams and their recordings, brands compared across streams
 *  and time ranges — placeholder until the history page lands here. */
@Component({
  selector: 'ma-history-page',
  template: `
    <h1>History</h1>
    <div class="ma-card" data-testid="history-placeholder">
      <p>Ended streams and their recordings, and brands compared across streams, will be here.</p>
      <p class="muted">Meanwhile, every stream (ended ones too) is on the Streams page.</p>
    </div>
  `,
})
export class HistoryPageComponent {}
