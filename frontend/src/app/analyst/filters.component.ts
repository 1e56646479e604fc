import { BrandNames } from '../core/brand-names';
import { ChangeDetectionStrategy, Component, computed, inject, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatChipsModule } from '@angular/material/chips';
import { MatSliderModule } from '@angular/material/slider';
import { SOURCES } from '../core/sources';
import { SourceChipComponent } from '../ui/source-chip.component';
import { Filters, NO_FILTERS, filtersActive, mediaClock } from './exposure';

/**
 * The analyst's filters: brands (none chosen: all), the signals found by (logo, text on
 * screen, speech; none chosen: all), a media-time range and the minimum confidence of an
 * appearance's best detection. They apply to the chart, the totals, the
 * appearance list and the heat map, and travel with the exports and the report.
 */
@Component({
  selector: 'ma-analyst-filters',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatChipsModule, MatSliderModule, MatButtonModule, SourceChipComponent],
  template: `
    <div class="field brands">
      <span class="label" id="brand-filter">Brands</span>
      @if (brands().length) {
        <mat-chip-listbox multiple aria-labelledby="brand-filter" [value]="filters().brands"
                          (change)="set({ brands: $event.value })" data-testid="filter-brands">
          @for (b of brands(); track b) {
            <mat-chip-option [value]="b" [attr.data-brand]="b">
              <span class="swatch" [style.background]="colour()(b)"></span>{{ names.name(b) }}</mat-chip-option>
          }
        </mat-chip-listbox>
        <span class="hint">{{ filters().brands.length ? '' : 'all shown; pick some to compare' }}</span>
      } @else {
        <span class="hint">none seen yet</span>
      }
    </div>
    <div class="field sources">
      <span class="label" id="source-filter">Found by</span>
      <mat-chip-listbox multiple aria-labelledby="source-filter" [value]="filters().sources"
                        (change)="set({ sources: $event.value })" data-testid="filter-sources">
        @for (s of sourceList; track s) {
          <mat-chip-option [value]="s" [attr.data-source]="s"><ma-source [source]="s" /></mat-chip-option>
        }
      </mat-chip-listbox>
      <span class="hint">{{ filters().sources.length ? '' : 'all: logo, text on screen, speech' }}</span>
    </div>
    <div class="field time">
      <span class="label" id="time-filter">Time range <b>{{ rangeText() }}</b></span>
      <mat-slider [min]="0" [max]="maxTime()" [step]="1" [disabled]="maxTime() < 2" [displayWith]="clock"
                  discrete aria-labelledby="time-filter" data-testid="filter-time">
        <input matSliderStartThumb [value]="filters().start ?? 0" (valueChange)="setStart($event)" aria-label="From" />
        <input matSliderEndThumb [value]="filters().end ?? maxTime()" (valueChange)="setEnd($event)" aria-label="To" />
      </mat-slider>
    </div>
    <div class="field confidence">
      <span class="label" id="confidence-filter">Min. confidence <b>{{ confidenceText() }}</b></span>
      <mat-slider [min]="0" [max]="0.95" [step]="0.05" [displayWith]="percent" discrete aria-labelledby="confidence-filter">
        <input matSliderThumb [value]="filters().minConfidence ?? 0" (valueChange)="setConfidence($event)"
               aria-label="Minimum confidence" data-testid="filter-confidence" />
      </mat-slider>
    </div>
    @if (active()) {
      <button mat-button type="button" class="reset" (click)="changed.emit(none)" data-testid="filter-reset">Reset filters</button>
    }
  `,
  styles: `
    :host { display: flex; flex-wrap: wrap; gap: var(--ma-space-2) var(--ma-space-5); align-items: flex-start; }
    .field { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
    .brands { flex: 1 1 320px; }
    .sources { flex: 0 1 auto; }
    .sources ma-source { background: none; padding: 0; }
    .time, .confidence { flex: 0 1 260px; }
    .time mat-slider, .confidence mat-slider { width: 100%; min-width: 200px; margin: 0; }
    .label { font-size: var(--ma-text-xs); color: var(--ma-text-muted); text-transform: uppercase; letter-spacing: 0.04em; }
    .label b { color: var(--ma-text); text-transform: none; letter-spacing: 0; margin-left: var(--ma-space-1); font-weight: 600; }
    .hint { font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
    .reset { align-self: center; }
    @media (max-width: 600px) { .time, .confidence { flex: 1 1 100%; } }
  `,
})
export class AnalystFiltersComponent {
  /** Brand names for ids (the id for a brand the library does not know). */
  readonly names = inject(BrandNames);
  readonly filters = input.required<Filters>();
  /** Brands to choose from, most seconds first. */
  readonly brands = input.required<readonly string[]>();
  readonly colour = input.required<(brand: string) => string>();
  /** Media seconds analysed so far: the time range's upper end. */
  readonly maxTime = input.required<number>();
  readonly changed = output<Filters>();
  readonly none = NO_FILTERS;
  readonly sourceList = SOURCES;

  readonly active = computed(() => filtersActive(this.filters()));
  readonly rangeText = computed(() => {
    const f = this.filters();
    if (f.start === null && f.end === null) return 'whole stream';
    return `${mediaClock(f.start ?? 0)} – ${f.end === null ? 'now' : mediaClock(f.end)}`;
  });
  readonly confidenceText = computed(() => {
    const c = this.filters().minConfidence;
    return c === null ? 'any' : this.percent(c);
  });

  readonly clock = (v: number): string => mediaClock(v);
  readonly percent = (v: number): string => `${Math.round(v * 100)}%`;

  set(change: Partial<Filters>): void {
    this.changed.emit({ ...this.filters(), ...change });
  }

  /** The range's ends at the slider's ends mean unbounded (a live stream keeps growing). */
  setStart(v: number): void {
    this.set({ start: v <= 0 ? null : v });
  }

  setEnd(v: number): void {
    this.set({ end: v >= this.maxTime() ? null : v });
  }

  setConfidence(v: number): void {
    this.set({ minConfidence: v <= 0 ? null : Math.round(v * 100) / 100 });
  }
}
