import { Component, OnDestroy, effect, inject, input, output, signal, untracked } from '@angular/core';
import { ApiError, BrandsApi, CatalogueIcon } from '../core/api.service';

const DEBOUNCE_MS = 250;

/** "Add from catalogue": a debounced search over the bundled logo catalogue (simple-icons)
 *  with previews; choosing a glyph emits it (the card adds it through the API). */
@Component({
  selector: 'ma-catalogue-search',
  template: `
    <label class="search">
      <span class="visually-hidden">Search the logo catalogue</span>
      <input #box type="search" [value]="query()" (input)="query.set(box.value)" placeholder="Search the catalogue, e.g. Starbucks"
             autocomplete="off" data-testid="catalogue-query" [attr.aria-describedby]="'cat-help-' + brandId()" />
    </label>
    <p class="muted help" [id]="'cat-help-' + brandId()">
      {{ unavailable() || 'Choose a logo to add it. Brand glyphs from simple-icons (CC0 unless named), in the brand colour, checked like an upload.' }}
    </p>
    @if (!unavailable()) {
      @if (error()) { <p class="error-text" role="alert">{{ error() }}</p> }
      @if (searching()) { <p class="muted" role="status">Searching…</p> }
      @else if (query().trim() && !icons().length && searched()) {
        <p class="muted" role="status" data-testid="catalogue-none">No catalogue logo matches “{{ query().trim() }}”: upload a logo file instead.</p>
      }
      <ul class="results" data-testid="catalogue-results">
        @for (icon of icons(); track icon.slug) {
          <li>
            <button type="button" class="pick" (click)="picked.emit(icon)" [disabled]="busy()" [attr.data-slug]="icon.slug"
                    [attr.aria-label]="'Add the ' + icon.title + ' logo from the catalogue'">
              <img [src]="api.catalogueSvg(icon)" alt="" loading="lazy" width="40" height="40" />
              <span class="title">{{ icon.title }}</span>
              @if (icon.license !== 'CC0-1.0') { <span class="lic">{{ icon.license }}</span> }
            </button>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    :host { display: block; }
    .search input { width: 100%; box-sizing: border-box; padding: 8px 10px; font-size: var(--ma-text-md); }
    .help { margin: var(--ma-space-1) 0 var(--ma-space-2); }
    .results { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--ma-space-2);
               grid-template-columns: repeat(auto-fill, minmax(104px, 1fr)); }
    .pick { width: 100%; display: flex; flex-direction: column; align-items: center; gap: var(--ma-space-1); cursor: pointer;
            padding: var(--ma-space-2); border: 1px solid var(--ma-border); border-radius: var(--ma-radius-sm);
            background: var(--ma-surface-2); color: var(--ma-text); font: inherit; }
    .pick:hover:not([disabled]), .pick:focus-visible { border-color: var(--ma-primary); }
    .pick[disabled] { opacity: 0.5; cursor: progress; }
    /* Glyphs are drawn in their brand colour for a white card, as the logo check sees them. */
    .pick img { background: #fff; border-radius: var(--ma-radius-sm); padding: 4px; }
    .title { font-size: var(--ma-text-xs); text-align: center; overflow-wrap: anywhere; }
    .lic { font-size: 10px; color: var(--ma-text-muted); }
  `,
})
export class CatalogueSearchComponent implements OnDestroy {
  readonly brandId = input.required<string>();
  /** The first query (the brand's name). */
  readonly initial = input('');
  /** Why the catalogue cannot be used here ('' when it can). */
  readonly blocked = input('');
  readonly busy = input(false);
  readonly picked = output<CatalogueIcon>();

  protected readonly api = inject(BrandsApi);
  readonly query = signal('');
  readonly icons = signal<CatalogueIcon[]>([]);
  readonly searching = signal(false);
  readonly searched = signal(false);
  readonly unavailable = signal('');
  readonly error = signal('');
  private timer?: ReturnType<typeof setTimeout>;
  private generation = 0;

  constructor() {
    effect(() => {
      const first = this.initial();
      untracked(() => this.query.set(first));
    });
    effect(() => this.unavailable.set(this.blocked()));
    effect(() => {
      const q = this.query().trim();
      untracked(() => this.schedule(q));
    });
  }

  private schedule(q: string): void {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    if (!q || this.unavailable()) {
      this.icons.set([]);
      this.searched.set(false);
      return;
    }
    this.timer = setTimeout(() => void this.search(q, generation), DEBOUNCE_MS);
  }

  private async search(q: string, generation: number): Promise<void> {
    this.searching.set(true);
    this.error.set('');
    try {
      const found = await this.api.searchCatalogue(q);
      if (generation !== this.generation) return; // a newer query was typed meanwhile
      this.icons.set(found.icons);
      this.searched.set(true);
    } catch (e) {
      if (generation !== this.generation) return;
      this.icons.set([]);
      if (e instanceof ApiError && e.status === 503) {
        this.unavailable.set('The logo catalogue is not installed on this server: upload logo files instead.');
      } else {
        this.error.set(`The catalogue cannot be searched right now (${e instanceof Error ? e.message : e}); type again to retry.`);
      }
    } finally {
      if (generation === this.generation) this.searching.set(false);
    }
  }

  ngOnDestroy(): void {
    clearTimeout(this.timer);
  }
}
