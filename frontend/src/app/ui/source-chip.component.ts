import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { SOURCE_LABEL, SOURCE_MEANING, Source } from '../core/sources';
import { IconComponent } from './icon.component';

/** A brand signal as a small chip: its icon in the source's colour (logo amber, text
 *  cyan, speech pink: the overlay's and timeline's colours) and a value ("12.4 s", "×3"),
 *  or the source's name when there is no value. */
@Component({
  selector: 'ma-source',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IconComponent],
  // A prefixed class: a bare "text" would take the styles of a parent's own `.text` rule.
  host: { '[class]': "'src-' + source()", '[attr.title]': 'title()', '[attr.data-source]': 'source()' },
  template: `<ma-icon [name]="source()" [size]="14" /><span>{{ value() ?? label() }}</span>`,
  styles: `
    :host { display: inline-flex; align-items: center; gap: 3px; padding: 0 6px 0 4px; border-radius: 999px; white-space: nowrap;
            font-size: var(--ma-text-xs); line-height: 18px; background: var(--ma-surface-2); color: var(--ma-text);
            font-variant-numeric: tabular-nums; }
    :host(.src-logo) ma-icon { color: var(--ma-logo); }
    :host(.src-text) ma-icon { color: var(--ma-text-box); }
    :host(.src-speech) ma-icon { color: var(--ma-speech); }
  `,
})
export class SourceChipComponent {
  readonly source = input.required<Source>();
  readonly value = input<string | null>(null);
  /** What the value counts, for the tooltip (e.g. "on screen as its logo"). */
  readonly hint = input<string | null>(null);
  readonly label = computed(() => SOURCE_LABEL[this.source()]);
  readonly title = computed(() => this.hint() ?? `${SOURCE_LABEL[this.source()]}: ${SOURCE_MEANING[this.source()]}`);
}
