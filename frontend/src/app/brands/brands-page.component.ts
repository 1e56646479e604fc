import { Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { BrandTotalsList, BrandsApi } from '../core/api.service';
import { SessionService } from '../core/session.service';
import { BrandCardComponent } from './brand-card.component';
import { brandSlug, duration, matchingBrands } from './brand-logic';

type Sort = 'seen' | 'name';

/** `#/brands` (lazy): the brand library — the brands brand analysis looks for, their
 *  reference logos with the upload check's verdicts, and their totals across streams.
 *  Admins add, rename and delete brands and add logos; viewers see the same, read only. */
@Component({
  selector: 'ma-brands-page',
  imports: [MatButtonModule, BrandCardComponent],
  // A file dropped beside a card would make the browser open it in place of the page.
  host: { '(window:dragover)': 'keepPage($event)', '(window:drop)': 'keepPage($event)' },
  template: `
    <div class="head">
      <div>
        <h1>Brands</h1>
        <p class="muted lead">Brand analysis looks for these brands only: by their reference logos on screen, and by their
          names and aliases written on screen or said aloud.
          @if (list(); as l) { Totals cover {{ l.streams_read }} stream{{ l.streams_read === 1 ? '' : 's' }}. }</p>
      </div>
      @if (session.canControl() && brands().length) {
        <form class="add" (submit)="add($event)" data-testid="add-brand-form">
          <label class="visually-hidden" for="new-brand-name">New brand name</label>
          <input #nameBox id="new-brand-name" type="text" maxlength="100" autocomplete="off" placeholder="Brand name, e.g. Starbucks"
                 [value]="name()" (input)="name.set(nameBox.value)" data-testid="new-brand-name" />
          <button mat-flat-button type="submit" [disabled]="!slug() || busy()" data-testid="add-brand">Add brand</button>
          @if (slug()) { <span class="muted slug">id: <code>{{ slug() }}</code></span> }
        </form>
      }
    </div>
    @if (error()) { <p class="error-text" role="alert" data-testid="brands-error">{{ error() }}</p> }
    @if (list()?.streams_truncated) {
      <p class="notice" role="note">Totals add up the first {{ list()!.streams_read }} streams only: this installation has more.</p>
    }
    @if (catalogueBlocked() && session.canControl() && brands().length) {
      <p class="muted" data-testid="catalogue-unavailable">{{ catalogueBlocked() }}</p>
    }

    @if (!list() && !error()) {
      <p class="muted state" data-testid="brands-loading">Loading brands…</p>
    } @else if (list() && !brands().length) {
      <section class="ma-card empty" data-testid="brands-empty">
        <h2>No brands to look for yet</h2>
        <p>Brand analysis finds only the brands in this library: streams are analysed, but no brand seconds, appearances or
          share of voice are counted until you add the brands you want measured, each with a reference logo.</p>
        @if (session.canControl()) {
          <ol>
            <li>Add a brand by its name.</li>
            <li>Drop one or more logo files on it (a transparent PNG or SVG of the logo alone works best), or pick its logo
              from the built-in catalogue{{ catalogueBlocked() ? ' (not installed on this server)' : '' }}.</li>
            <li>Each logo is checked at once: you see whether the detector can find it, and from which size.</li>
          </ol>
          <form class="add big" (submit)="add($event)" data-testid="add-brand-form">
            <label class="visually-hidden" for="first-brand-name">Brand name</label>
            <input #firstBox id="first-brand-name" type="text" maxlength="100" autocomplete="off" placeholder="Brand name, e.g. Starbucks"
                   [value]="name()" (input)="name.set(firstBox.value)" data-testid="new-brand-name" />
            <button mat-flat-button type="submit" [disabled]="!slug() || busy()" data-testid="add-brand">Add brand</button>
          </form>
        } @else {
          <p class="muted">Ask an admin to add the brands to monitor.</p>
        }
      </section>
    } @else {
      <div class="toolbar">
        <span class="muted" data-testid="brand-count">@if (query().trim()) {{{ shown().length }} of }{{ brands().length }} brand{{ brands().length === 1 ? '' : 's' }} · {{ duration(totalSeconds()) }} on screen in all</span>
        <span class="spacer"></span>
        <input #findBox type="search" class="find" placeholder="Find a brand" aria-label="Find a brand by name or alias"
               [value]="query()" (input)="query.set(findBox.value)" data-testid="brand-find" />
        <label class="muted">Sort
          <select [value]="sort()" (change)="sort.set($any($event.target).value)" data-testid="brand-sort">
            <option value="seen">Most seen first</option>
            <option value="name">By name</option>
          </select></label>
      </div>
      <div class="cards" data-testid="brand-list">
        @for (b of shown(); track b.brand_id) {
          <ma-brand-card [brand]="b" [canControl]="session.canControl()" [catalogueBlocked]="catalogueBlocked()"
                         [openCatalogue]="b.brand_id === justAdded()" (changed)="reload()" (removed)="reload()" />
        } @empty {
          <p class="muted" data-testid="brand-none-found">No brand’s name or alias contains “{{ query().trim() }}”.</p>
        }
      </div>
    }
  `,
  styles: `
    :host { display: block; max-width: 1100px; margin: 0 auto; }
    .head { display: flex; flex-wrap: wrap; gap: var(--ma-space-3); align-items: flex-end; justify-content: space-between;
            margin: var(--ma-space-2) 0 var(--ma-space-4); }
    .head h1 { margin-bottom: var(--ma-space-1); }
    .lead { margin: 0; }
    .add { display: flex; flex-wrap: wrap; gap: var(--ma-space-2); align-items: center; flex: 1 1 320px; max-width: 520px; }
    .add input { flex: 1 1 200px; min-width: 0; padding: 8px 10px; font-size: var(--ma-text-md); }
    .slug { flex-basis: 100%; }
    .notice { color: var(--ma-warn); }
    .state { padding: var(--ma-space-6) 0; text-align: center; }
    .empty { max-width: 720px; margin: var(--ma-space-5) auto; }
    .empty ol { padding-left: var(--ma-space-5); color: var(--ma-text-muted); }
    .empty li { margin-bottom: var(--ma-space-1); }
    .add.big { max-width: none; margin-top: var(--ma-space-3); }
    .toolbar { display: flex; align-items: center; gap: var(--ma-space-2); margin-bottom: var(--ma-space-3); flex-wrap: wrap; }
    .toolbar select { margin-left: var(--ma-space-1); background: var(--ma-surface-2); color: var(--ma-text);
                      border: 1px solid var(--ma-border); border-radius: var(--ma-radius-sm); padding: 4px; font: inherit; }
    .spacer { flex: 1; }
    .find { flex: 0 1 220px; min-width: 0; padding: 6px 8px; font: inherit; background: var(--ma-surface-2); color: var(--ma-text);
            border: 1px solid var(--ma-border); border-radius: var(--ma-radius-sm); }
    .cards { display: grid; gap: var(--ma-space-3); }
  `,
})
export class BrandsPageComponent {
  protected readonly session = inject(SessionService);
  private readonly api = inject(BrandsApi);
  protected readonly duration = duration;

  readonly list = signal<BrandTotalsList | null>(null);
  readonly error = signal('');
  readonly name = signal('');
  readonly slug = computed(() => brandSlug(this.name()));
  readonly busy = signal(false);
  readonly sort = signal<Sort>('seen');
  readonly justAdded = signal<string | null>(null);
  readonly catalogueBlocked = signal('');
  readonly brands = computed(() => {
    const brands = [...(this.list()?.brands ?? [])];
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    return this.sort() === 'name' ? brands.sort(byName) : brands.sort((a, b) => b.seconds - a.seconds || byName(a, b));
  });
  /** The "find a brand" box: the cards shown are the brands it matches. */
  readonly query = signal('');
  readonly shown = computed(() => matchingBrands(this.brands(), this.query()));
  readonly totalSeconds = computed(() => this.brands().reduce((sum, b) => sum + b.seconds, 0));

  constructor() {
    void this.reload();
    void this.checkCatalogue();
  }

  keepPage(event: DragEvent): void {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  }

  async reload(): Promise<void> {
    try {
      this.list.set(await this.api.brands());
      this.error.set('');
    } catch (e) {
      this.error.set(`Cannot read the brands: ${e instanceof Error ? e.message : e}`);
    }
  }

  private async checkCatalogue(): Promise<void> {
    try {
      const status = await this.api.catalogueStatus();
      this.catalogueBlocked.set(status.available ? '' : 'The logo catalogue is not installed on this server: upload logo files instead.');
    } catch {
      this.catalogueBlocked.set(''); // the search itself will say what is wrong
    }
  }

  async add(event: Event): Promise<void> {
    event.preventDefault();
    const name = this.name().trim();
    const id = this.slug();
    if (!id) return;
    // PUT on an existing id would rename that brand: refuse instead.
    const clash = this.list()?.brands.find((b) => b.brand_id === id);
    if (clash) {
      this.error.set(`“${clash.name}” already has the id ${id}: rename it, or choose another name.`);
      return;
    }
    this.busy.set(true);
    this.error.set('');
    try {
      await this.api.addBrand(id, name);
      this.name.set('');
      await this.reload();
      this.justAdded.set(this.catalogueBlocked() ? null : id); // offers its logo from the catalogue at once
    } catch (e) {
      this.error.set(`Could not add “${name}”: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.busy.set(false);
    }
  }
}
