import { BrandNames } from '../core/brand-names';
import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { Source } from '../core/sources';
import { IconComponent } from '../ui/icon.component';
import { SourceChipComponent } from '../ui/source-chip.component';
import { EvidenceComponent } from './evidence';
import { Appearance, BrandTotal, durationLabel, mediaClock, positionLabel, sourceOf } from './exposure';

const FIRST_ROWS = 8;

/** Media range the player holds (its playlist's window), where seeking works. */
export interface HeldRange {
  start: number;
  end: number;
}

/**
 * Appearances per brand (brands by seconds, each brand's appearances by time): when, how
 * long, how large and where, how sure, from which source, with the evidence frame. A row
 * seeks the player to the appearance's start when the player still holds that moment.
 */
@Component({
  selector: 'ma-appearance-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EvidenceComponent, IconComponent, SourceChipComponent],
  template: `
    @for (group of groups(); track group.brand) {
      <section class="group" [attr.data-brand]="group.brand" data-testid="appearance-group">
        <header>
          <span class="swatch" [style.background]="colour()(group.brand)"></span>
          <h3>{{ names.name(group.brand) }}</h3>
          <span class="meta">
            @if (group.total.appearances || !group.total.mentions) {
              {{ group.total.appearances }} appearance{{ group.total.appearances === 1 ? '' : 's' }} · {{ duration(group.total.seconds) }}
            }
            @if (group.total.mentions) {
              {{ group.total.appearances ? ' · ' : '' }}said aloud {{ group.total.mentions }}×
            }
          </span>
        </header>
        <ol>
          @for (a of group.rows; track a.brand + '@' + a.start) {
            <li>
              <button type="button" class="row" (click)="seek.emit(from(a))" data-testid="appearance"
                      [attr.data-start]="a.start" [attr.data-end]="a.end" [attr.data-source]="source(a)" [class.outside]="!holds(a)"
                      [class.spoken]="source(a) === 'speech'" [attr.aria-label]="label(a)">
                @if (source(a) === 'speech') {
                  <span class="quote" aria-hidden="true"><ma-icon name="speech" [size]="22" />
                    <span>“{{ a.text || names.name(a.brand) }}”</span></span>
                } @else {
                  <ma-evidence [path]="a.evidence" [alt]="'Evidence: ' + names.name(a.brand) + ' at ' + clock(a.best_frame_t ?? a.start)" />
                }
                <span class="text">
                  <span class="when">{{ clock(a.start) }}{{ source(a) === 'speech' ? '' : ' – ' + clock(a.end) }}
                    <span class="dur">{{ source(a) === 'speech' ? 'said aloud' : duration(a.seconds) }}</span>
                    <ma-source [source]="source(a)" /></span>
                  @if (source(a) === 'text' && a.text) { <span class="read" data-testid="appearance-text">read “{{ a.text }}”</span> }
                  <span class="facts">
                    @if (position(a); as where) { <span>{{ where }}</span> }
                    @if (a.best_score !== null) { <span>{{ percent(a.best_score) }} confidence</span> }
                  </span>
                  <span class="go">{{ holds(a) ? '▶ Play from ' + clock(from(a)) : 'Older than the player’s window' }}</span>
                </span>
              </button>
            </li>
          }
        </ol>
        @if (group.hidden) {
          <button type="button" class="more" (click)="toggle(group.brand)">
            {{ expanded().has(group.brand) ? 'Show fewer' : 'Show all ' + group.total.appearances }}</button>
        }
      </section>
    } @empty {
      <p class="empty" data-testid="appearances-empty">{{ emptyText() }}</p>
    }
  `,
  styles: `
    :host { display: grid; gap: var(--ma-space-4); }
    header { display: flex; align-items: baseline; gap: var(--ma-space-2); flex-wrap: wrap; margin-bottom: var(--ma-space-2); }
    h3 { margin: 0; font-size: var(--ma-text-md); }
    .swatch { width: 12px; height: 12px; border-radius: 3px; align-self: center; }
    .meta { color: var(--ma-text-muted); font-size: var(--ma-text-sm); }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--ma-space-2);
         grid-template-columns: repeat(auto-fill, minmax(min(320px, 100%), 1fr)); }
    .row { display: grid; grid-template-columns: 144px minmax(0, 1fr); gap: var(--ma-space-3); align-items: center; width: 100%;
           text-align: left; font: inherit; color: inherit; background: var(--ma-surface-2); border: 1px solid transparent;
           border-radius: var(--ma-radius); padding: var(--ma-space-2); cursor: pointer; }
    .row:hover, .row:focus-visible { border-color: var(--ma-primary); outline: none; }
    .row.outside .go { color: var(--ma-text-muted); }
    .text { display: grid; gap: 2px; min-width: 0; }
    .when { font-weight: 600; font-variant-numeric: tabular-nums; }
    .dur { font-weight: 400; color: var(--ma-text-muted); margin-left: var(--ma-space-1); }
    .facts { display: flex; flex-wrap: wrap; gap: 2px var(--ma-space-2); font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
    .when ma-source { margin-left: var(--ma-space-1); font-weight: 400; vertical-align: 1px; }
    .read { font-size: var(--ma-text-sm); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .quote { display: flex; align-items: center; gap: var(--ma-space-2); aspect-ratio: 16 / 9; padding: 0 var(--ma-space-2); box-sizing: border-box;
             border-radius: var(--ma-radius-sm); background: var(--ma-bg); font-size: var(--ma-text-sm); font-weight: 600;
             overflow: hidden; }
    .quote ma-icon { color: var(--ma-speech); flex: none; }
    .quote span { overflow: hidden; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; }
    .go { font-size: var(--ma-text-xs); color: var(--ma-primary); }
    .more { margin-top: var(--ma-space-2); font: inherit; font-size: var(--ma-text-sm); background: none; border: 0;
            color: var(--ma-primary); cursor: pointer; padding: 0; }
    .empty { color: var(--ma-text-muted); font-size: var(--ma-text-sm); margin: 0; }
    @media (max-width: 480px) {
      ol { grid-template-columns: minmax(0, 1fr); }
      .row { grid-template-columns: 112px minmax(0, 1fr); gap: var(--ma-space-2); }
    }
  `,
})
export class AppearanceListComponent {
  /** Brand names for ids (the id for a brand the library does not know). */
  readonly names = inject(BrandNames);
  /** The appearances the filters keep, by start. */
  readonly appearances = input.required<readonly Appearance[]>();
  /** Their per-brand totals, in the order the groups are shown. */
  readonly totals = input.required<readonly BrandTotal[]>();
  readonly colour = input.required<(brand: string) => string>();
  readonly held = input<HeldRange | null>(null);
  readonly emptyText = input('No appearance in this range.');
  readonly seek = output<number>();
  readonly expanded = signal<ReadonlySet<string>>(new Set());

  readonly groups = computed(() => {
    const byBrand = new Map<string, Appearance[]>();
    for (const a of this.appearances()) byBrand.set(a.brand, [...(byBrand.get(a.brand) ?? []), a]);
    const open = this.expanded();
    return this.totals()
      .filter((t) => byBrand.has(t.brand))
      .map((total) => {
        const all = byBrand.get(total.brand)!;
        return {
          brand: total.brand,
          total,
          rows: open.has(total.brand) ? all : all.slice(0, FIRST_ROWS),
          hidden: all.length > FIRST_ROWS,
        };
      });
  });

  readonly clock = mediaClock;
  readonly duration = durationLabel;

  source(a: Appearance): Source {
    return sourceOf(a);
  }

  position(a: Appearance): string {
    return positionLabel(a.peak_box, a.peak_size);
  }

  percent(score: number): string {
    return `${Math.round(score * 100)}%`;
  }

  /** Whether the player can show this appearance (unknown player range: try). */
  holds(a: Appearance): boolean {
    const held = this.held();
    return !held || (a.end > held.start && a.start < held.end);
  }

  /** Where to seek: the start, or the player's first held second when the start is older. */
  from(a: Appearance): number {
    const held = this.held();
    return held && a.start < held.start && a.end > held.start ? held.start + 0.1 : a.start;
  }

  label(a: Appearance): string {
    if (sourceOf(a) === 'speech') {
      return `${this.names.name(a.brand)} said aloud at ${mediaClock(a.start)}${a.text ? `: “${a.text}”` : ''}. Play from there.`;
    }
    const facts = [this.position(a), a.best_score !== null ? `${this.percent(a.best_score)} confidence` : ''].filter(Boolean);
    return `${this.names.name(a.brand)} from ${mediaClock(a.start)} to ${mediaClock(a.end)}, ${durationLabel(a.seconds)}${facts.length ? ', ' + facts.join(', ') : ''}. Play from there.`;
  }

  toggle(brand: string): void {
    const next = new Set(this.expanded());
    if (!next.delete(brand)) next.add(brand);
    this.expanded.set(next);
  }
}
