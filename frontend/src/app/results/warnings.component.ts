import { Component, computed, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import { IconComponent } from '../ui/icon.component';
import { ResultsStore } from './results-store';
import { WarningPanel } from './warnings';

/** The selected stream's warnings shown beside one panel, each with what to do. A warning
 *  that affects several panels is shown once, beside the first (its `panels[0]`). */
@Component({
  selector: 'ma-warnings',
  imports: [RouterLink, IconComponent],
  template: `
    @if (shown().length) {
      <ul class="warnings" [attr.data-testid]="'warnings-' + panel()">
        @for (w of shown(); track w.id) {
          <li [class]="w.severity" [attr.data-warning]="w.id">
            <ma-icon [name]="w.severity === 'info' ? 'info' : w.severity === 'error' ? 'error' : 'warning'" [size]="18" />
            <div>
              <b>{{ w.title }}</b>
              @if (w.detail) { <span class="detail" [title]="w.detail">{{ clip(w.detail) }}</span> }
              <span class="action">{{ w.action }}
                @if (w.link) { <a [routerLink]="w.link.route">{{ w.link.label }}</a> }</span>
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
    .detail { color: var(--ma-text-muted); overflow-wrap: anywhere; }
    .action a { margin-left: var(--ma-space-1); }
  `,
})
export class WarningsComponent {
  readonly panel = input.required<WarningPanel>();
  private readonly store = inject(ResultsStore);
  readonly shown = computed(() => this.store.warnings().filter((w) => w.panels[0] === this.panel()));

  clip(text: string): string {
    return text.length > 220 ? `${text.slice(0, 217)}…` : text;
  }
}
