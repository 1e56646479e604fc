import { Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { StreamsService } from '../core/streams.service';
import { IconComponent } from '../ui/icon.component';

/** `#/streams/:id/report` (lazy): the one-page, print-ready report of a stream (brands,
 *  seconds, share of voice chart, evidence thumbnails). Placeholder: the analyst view
 *  fills it. The page is laid out for A4/Letter; the toolbar does not print. */
@Component({
  selector: 'ma-report',
  imports: [RouterLink, MatButtonModule, IconComponent],
  template: `
    <div class="tools no-print">
      <a mat-button [routerLink]="['/streams', id()]"><ma-icon name="back" [size]="18" /> Back to the stream</a>
      <button mat-flat-button type="button" (click)="print()" data-testid="print-report"><ma-icon name="print" [size]="18" /> Print or save as PDF</button>
    </div>
    <article class="page" data-testid="report">
      <header>
        <h1>Brand exposure report</h1>
        <p>{{ name() }}</p>
      </header>
      <p class="muted">The report's brands, seconds, share of voice and evidence will be laid out here.</p>
    </article>
  `,
  styles: `
    .tools { display: flex; justify-content: space-between; gap: var(--ma-space-2); margin-bottom: var(--ma-space-4); }
    .page { background: #fff; color: #111; max-width: 210mm; min-height: 270mm; margin: 0 auto; padding: 16mm; box-sizing: border-box; }
    .page .muted { color: #555; }
    @media print {
      .page { max-width: none; min-height: 0; padding: 0; }
      @page { size: A4; margin: 14mm; }
    }
  `,
})
export class ReportComponent {
  readonly id = input.required<string>();
  private readonly streams = inject(StreamsService);
  readonly name = computed(() => {
    const s = this.streams.streams().find((x) => x.id === this.id());
    return s?.name || this.id();
  });

  print(): void {
    window.print();
  }
}
