import { Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import { IconComponent } from '../ui/icon.component';
import { ResultsStore } from './results-store';
import { WarningPanel, warningView } from './warnings';

/** The selected stream's warnings shown beside one panel: title, meaning and what to do
 *  always shown, the pipeline's raw text behind "Details". A warning
 *  that affects several panels is shown once, beside the first (its `panels[0]`). */
@Component({
  selector: 'ma-warnings',
  imports: [RouterLink, IconComponent],
  template: `
    @if (shown().length) {
      <ul class="warnings" [attr.data-testid]="'warnings-' + panel()">
        @for (w of shown(); track w.warning.id) {
          <li [class]="w.warning.severity" [attr.data-warning]="w.warning.id">
            <ma-icon [name]="w.warning.severity === 'info' ? 'info' : w.warning.severity === 'error' ? 'error' : 'warning'" [size]="18" />
            <div>
              <b>{{ w.view.title }}</b>
              @if (w.view.explain) { <span class="explain">{{ w.view.explain }}</span> }
              <span class="action">{{ w.view.action }}
                @if (w.warning.link) { <a [routerLink]="w.warning.link.route">{{ w.warning.link.label }}</a> }</span>
              @if (w.view.details) {
                <details class="raw" data-testid="warning-details">
                  <summary>Details <span class="hint">{{ w.view.detailsHint }}</span></summary>
                  <pre>{{ w.view.details }}</pre>
                </details>
              }
            </div>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    .warnings { list-style: none; margin: var(--ma-space-2) 0; padding: 0; display: grid; gap: var(--ma-space-2); }
    li { display: flex; gap: var(--ma-space-2); padding: var(--ma-space-2) var(--ma-space-3); border-radius: var(--ma-radius-sm);
         font-size: var(--ma-text-sm); border-left: 3px solid; background: var(--ma-surface-2); }
    li.warn { border-color: var(--ma-warn); background: var(--ma-warn-bg); } li.warn ma-icon { color: var(--ma-warn); }
    li.error { border-color: var(--ma-error); background: var(--ma-error-bg); } li.error ma-icon { color: var(--ma-error); }
    li.info { border-color: var(--ma-primary); } li.info ma-icon { color: var(--ma-primary); }
    li > div { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
    .explain { color: var(--ma-text-muted); }
    .raw summary { cursor: pointer; color: var(--ma-text-muted); font-size: var(--ma-text-xs); overflow-wrap: anywhere; }
    .raw .hint { opacity: 0.7; margin-left: var(--ma-space-1); }
    .raw[open] .hint { display: none; }
    .raw pre { margin: var(--ma-space-1) 0 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: var(--ma-text-xs);
               color: var(--ma-text-muted); max-height: 12em; overflow: auto; }
    .action a { margin-left: var(--ma-space-1); }
  `,
})
export class WarningsComponent {
  readonly panel = input.required<WarningPanel>();
  private readonly store = inject(ResultsStore);
  readonly shown = computed(() =>
    this.store.warnings().filter((w) => w.panels[0] === this.panel()).map((warning) => ({ warning, view: warningView(warning) })),
  );
}
