import { Component, ElementRef, OnDestroy, computed, effect, inject, input, output, signal, untracked, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import { COMMA, ENTER } from '@angular/cdk/keycodes';
import { MatButtonModule } from '@angular/material/button';
import { MatChipInputEvent, MatChipsModule } from '@angular/material/chips';
import { MatDialog } from '@angular/material/dialog';
import { MatMenuModule } from '@angular/material/menu';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { MatTooltipModule } from '@angular/material/tooltip';
import { ApiError, BrandLogo, BrandWithTotals, BrandsApi, CatalogueIcon } from '../core/api.service';
import { confirmAction } from '../ui/confirm-dialog.component';
import { IconComponent } from '../ui/icon.component';
import { ALIAS_MAX, Verdict, checkDetail, duration, percent, precheck, refusedVerdict, storedVerdict, withAlias } from './brand-logic';
import { CatalogueSearchComponent } from './catalogue-search.component';

/** One logo sent for the check (uploaded or from the catalogue) and what became of it. */
interface Outcome {
  key: number;
  name: string;
  preview: string | null;
  verdict: Verdict | null; // null while the model service checks it
}

const SHOWN_STREAMS = 5;

/** One monitored brand: its totals across streams, its reference logos with the check's
 *  verdicts, and (admins) rename, delete, logo upload by drag and drop or file picker, and
 *  logos from the catalogue. */
@Component({
  selector: 'ma-brand-card',
  imports: [RouterLink, MatButtonModule, MatChipsModule, MatMenuModule, MatTooltipModule, MatProgressSpinnerModule, IconComponent,
            CatalogueSearchComponent],
  host: {
    '[class.dragging]': 'dragging()',
    '[attr.data-brand]': 'brand().brand_id',
    '(dragenter)': 'dragOver($event)',
    '(dragover)': 'dragOver($event)',
    '(dragleave)': 'dragLeave($event)',
    '(drop)': 'drop($event)',
  },
  template: `
    <article class="ma-card card" [attr.aria-labelledby]="'brand-' + brand().brand_id">
      <header class="head">
        @if (renaming()) {
          <form class="rename" (submit)="saveName($event)">
            <label class="visually-hidden" [for]="'rename-' + brand().brand_id">New name for {{ brand().name }}</label>
            <input #nameBox [id]="'rename-' + brand().brand_id" type="text" [value]="brand().name" maxlength="100"
                   data-testid="rename-input" (keydown.escape)="renaming.set(false)" />
            <button mat-flat-button type="submit" [disabled]="busy()" data-testid="rename-save">Save</button>
            <button mat-button type="button" (click)="renaming.set(false)">Cancel</button>
          </form>
        } @else {
          <h2 [id]="'brand-' + brand().brand_id" data-testid="brand-name">{{ brand().name }}</h2>
          <code class="id" matTooltip="The label results carry; it stays when the brand is renamed">{{ brand().brand_id }}</code>
        }
        <span class="spacer"></span>
        @if (canControl() && !renaming()) {
          <button mat-icon-button [matMenuTriggerFor]="menu" [attr.aria-label]="'Actions for ' + brand().name" data-testid="brand-menu">
            <ma-icon name="more" /></button>
          <mat-menu #menu="matMenu">
            <button mat-menu-item (click)="startRename()" data-testid="rename-brand">Rename…</button>
            <button mat-menu-item (click)="remove()" class="danger" data-testid="delete-brand"><ma-icon name="delete" /> Delete brand…</button>
          </mat-menu>
        }
      </header>
      @if (error()) { <p class="error-text" role="alert">{{ error() }}</p> }

      <dl class="stats">
        <div><dt>On screen</dt><dd data-testid="brand-seconds" [attr.data-value]="brand().seconds">{{ duration(brand().seconds) }}</dd></div>
        <div><dt>Appearances</dt><dd data-testid="brand-appearances">{{ brand().appearances }}</dd></div>
        <div><dt>Share of voice</dt>
          <dd data-testid="brand-share" [attr.data-value]="brand().share_of_voice">{{ percent(brand().share_of_voice) }}
            <span class="bar" aria-hidden="true"><span [style.width.%]="100 * brand().share_of_voice"></span></span></dd></div>
        <div><dt>Streams</dt><dd data-testid="brand-streams">{{ brand().streams.length }}</dd></div>
        @if (brand().mentions !== undefined) {
          <div><dt>Said aloud</dt><dd data-testid="brand-mentions">{{ brand().mentions }}×</dd></div>
        }
      </dl>

      <section class="aliases" [attr.aria-labelledby]="'aliases-' + brand().brand_id" data-testid="aliases">
        <h3 [id]="'aliases-' + brand().brand_id">Also written or said as
          <span class="muted hint">aliases, matched in on-screen text and speech besides “{{ brand().name }}”</span></h3>
        @if (canControl()) {
          <mat-chip-grid #aliasGrid class="alias-field" [attr.aria-label]="'Aliases of ' + brand().name" [disabled]="savingAliases()">
            @for (a of aliases(); track a) {
              <mat-chip-row (removed)="removeAlias(a)" [attr.data-alias]="a" data-testid="alias">{{ a }}
                <button matChipRemove [attr.aria-label]="'Remove the alias ' + a" data-testid="alias-remove"><ma-icon name="close" [size]="16" /></button>
              </mat-chip-row>
            }
            <input [placeholder]="aliases().length ? 'Add another…' : 'Add an alias, e.g. ' + example()" [matChipInputFor]="aliasGrid"
                   [matChipInputSeparatorKeyCodes]="separators" [matChipInputAddOnBlur]="true" (matChipInputTokenEnd)="addAlias($event)"
                   [attr.maxlength]="aliasMax" data-testid="alias-input" />
          </mat-chip-grid>
          <p class="muted small">{{ savingAliases() ? 'Saving…' : 'Enter or comma adds one; each change is saved at once.' }}</p>
        } @else if (aliases().length) {
          <mat-chip-set [attr.aria-label]="'Aliases of ' + brand().name">
            @for (a of aliases(); track a) { <mat-chip [attr.data-alias]="a" data-testid="alias">{{ a }}</mat-chip> }
          </mat-chip-set>
        } @else {
          <p class="muted small" data-testid="no-aliases">None: found by its name only.</p>
        }
      </section>

      <section class="logos" aria-label="Reference logos">
        <h3>Reference logos <span class="muted">({{ logos().length }})</span></h3>
        @if (!loadingLogos() && !logos().length) {
          <p class="warn-text" data-testid="no-logos">No reference logo yet: its logo is not looked for until one is added (its name
            and aliases are still matched in on-screen text and speech where a stream has them on).</p>
        }
        <ul class="thumbs">
          @for (logo of logos(); track logo.logo_id) {
            <li class="thumb" [attr.data-logo]="logo.logo_id">
              <div class="img">
                @if (previews()[logo.logo_id]; as src) { <img [src]="src" [alt]="'Reference logo of ' + brand().name" /> }
                @else { <span class="ph" title="This server does not serve logo previews">{{ kind(logo) }}<br />{{ kb(logo) }}</span> }
              </div>
              <div class="under">
                <span class="q" [class]="logo.check?.quality ?? 'none'" [matTooltip]="logo.check ? detail(logo) : 'Not checked by this server'"
                      tabindex="0" data-testid="logo-quality">{{ logo.check?.quality ?? 'not checked' }}</span>
                @if (canControl()) {
                  <button mat-icon-button class="del" (click)="removeLogo(logo)" [attr.aria-label]="'Delete this logo of ' + brand().name"
                          matTooltip="Delete this logo" data-testid="delete-logo"><ma-icon name="delete" [size]="18" /></button>
                }
              </div>
            </li>
          }
          @if (canControl()) {
            <li class="drop">
              <label class="dropzone" [class.active]="dragging()">
                <ma-icon name="add" />
                <span><b>Drop logo files</b> or <u>browse</u></span>
                <span class="muted">PNG, SVG, JPEG, WebP · several at once</span>
                <input #files type="file" multiple accept=".png,.jpg,.jpeg,.webp,.svg,image/png,image/jpeg,image/webp,image/svg+xml"
                       (change)="picked(files)" data-testid="logo-input" class="visually-hidden" />
              </label>
            </li>
          }
        </ul>
        @if (canControl()) {
          <div class="catalogue">
            <div class="catalogue-row">
              <button mat-stroked-button type="button" (click)="showCatalogue.set(!showCatalogue())" data-testid="open-catalogue"
                      [disabled]="!!catalogueBlocked()" [attr.aria-expanded]="showCatalogue()">
                {{ showCatalogue() ? 'Close the catalogue' : 'Add from catalogue…' }}</button>
              @if (catalogueBlocked()) { <span class="muted" data-testid="catalogue-blocked">Not installed on this server</span> }
            </div>
            @if (showCatalogue() && !catalogueBlocked()) {
              <ma-catalogue-search [brandId]="brand().brand_id" [initial]="brand().name" [blocked]="catalogueBlocked()"
                                   [busy]="checking()" (picked)="addFromCatalogue($event)" />
            }
          </div>
        }
        @if (outcomes().length) {
          <ul class="outcomes" aria-live="polite" data-testid="upload-outcomes">
            @for (o of outcomes(); track o.key) {
              <li [class]="o.verdict?.tone ?? 'checking'" data-testid="upload-outcome">
                @if (o.preview) { <img [src]="o.preview" alt="" width="36" height="36" /> }
                <div class="what">
                  <span class="file">{{ o.name }}</span>
                  @if (o.verdict; as v) {
                    <b data-testid="verdict-title">{{ v.title }}</b>
                    <span data-testid="verdict-detail">{{ v.detail }}</span>
                  } @else {
                    <span class="checking-line"><mat-spinner diameter="16" /> Checking: the detector looks for it in 8 test scenes…</span>
                  }
                </div>
                @if (o.verdict) { <button mat-button class="dismiss" (click)="dismiss(o)">Dismiss</button> }
              </li>
            }
          </ul>
        }
      </section>

      @if (brand().streams.length) {
        <section class="seen" aria-label="Streams where seen">
          <h3>Seen in</h3>
          <ul>
            @for (s of shownStreams(); track s.stream_id) {
              <li><a [routerLink]="['/streams', s.stream_id]" data-testid="seen-stream">{{ s.name || s.stream_id }}</a>
                <span class="muted">{{ duration(s.seconds) }} · {{ s.appearances }} appearance{{ s.appearances === 1 ? '' : 's' }}</span></li>
            }
          </ul>
          @if (brand().streams.length > SHOWN_STREAMS) {
            <button mat-button (click)="allStreams.set(!allStreams())">
              {{ allStreams() ? 'Fewer' : 'All ' + brand().streams.length + ' streams' }}</button>
          }
        </section>
      }
      @if (dragging()) { <div class="dropveil" aria-hidden="true">Drop to add logos to {{ brand().name }}</div> }
    </article>
  `,
  styles: `
    :host { display: block; position: relative; }
    .card { display: flex; flex-direction: column; gap: var(--ma-space-3); }
    .head { display: flex; align-items: center; gap: var(--ma-space-2); min-width: 0; }
    .head h2 { margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .id { color: var(--ma-text-muted); font-size: var(--ma-text-xs); }
    .spacer { flex: 1; }
    .rename { display: flex; gap: var(--ma-space-2); flex: 1; min-width: 0; }
    .rename input { flex: 1; min-width: 0; padding: 6px 8px; font-size: var(--ma-text-md); }
    .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: var(--ma-space-2); margin: 0; }
    .aliases h3 { margin-bottom: var(--ma-space-1); }
    .aliases .hint { font-weight: 400; font-size: var(--ma-text-xs); margin-left: var(--ma-space-1); }
    .alias-field { display: block; border: 1px solid var(--ma-border); border-radius: var(--ma-radius-sm); padding: 2px 6px; }
    .alias-field:focus-within { border-color: var(--ma-primary); }
    .alias-field input { min-width: 180px; flex: 1; background: transparent; border: 0; outline: none; color: var(--ma-text);
                         font: inherit; padding: 6px 4px; }
    .small { font-size: var(--ma-text-xs); margin: var(--ma-space-1) 0 0; }
    .stats div { background: var(--ma-surface-2); border-radius: var(--ma-radius-sm); padding: var(--ma-space-2) var(--ma-space-3); }
    dt { font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
    dd { margin: 0; font-size: var(--ma-text-lg); font-weight: 600; font-variant-numeric: tabular-nums; }
    .bar { display: block; height: 4px; margin-top: 4px; border-radius: 2px; background: var(--ma-border); }
    .bar span { display: block; height: 100%; border-radius: 2px; background: var(--ma-primary); }
    h3 { margin-bottom: var(--ma-space-2); }
    .warn-text { color: var(--ma-warn); font-size: var(--ma-text-sm); margin: 0 0 var(--ma-space-2); }
    .thumbs { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: var(--ma-space-2); }
    .thumb { width: 112px; display: flex; flex-direction: column; align-items: stretch; gap: 2px; }
    .img { width: 112px; height: 84px; display: grid; place-items: center; background: #fff; border-radius: var(--ma-radius-sm);
           border: 1px solid var(--ma-border); overflow: hidden; }
    .img img { width: 100%; height: 100%; object-fit: contain; padding: 6px; box-sizing: border-box; }
    .ph { color: #555; font-size: var(--ma-text-xs); text-align: center; }
    .under { display: flex; align-items: center; justify-content: space-between; min-height: 32px; }
    .q { font-size: var(--ma-text-xs); padding: 0 var(--ma-space-2); border-radius: 999px; background: var(--ma-surface-2); }
    .q.good { color: var(--ma-ok); } .q.fair { color: var(--ma-primary); } .q.poor { color: var(--ma-warn); }
    .del { --mat-icon-button-state-layer-size: 32px; width: 32px; height: 32px; padding: 4px; color: var(--ma-text-muted); }
    .del:hover { color: var(--ma-error); }
    .drop { width: 200px; }
    .dropzone { min-height: 84px; box-sizing: border-box; display: flex; flex-direction: column; align-items: center; justify-content: center;
                text-align: center; gap: 2px; padding: var(--ma-space-2); border: 2px dashed var(--ma-border);
                border-radius: var(--ma-radius-sm); cursor: pointer; font-size: var(--ma-text-sm); }
    .dropzone:hover, .dropzone.active, .dropzone:focus-within { border-color: var(--ma-primary); background: var(--ma-surface-2); }
    .dropzone .muted { font-size: var(--ma-text-xs); }
    .catalogue { margin-top: var(--ma-space-3); display: flex; flex-direction: column; gap: var(--ma-space-2); align-items: flex-start; }
    .catalogue-row { display: flex; flex-wrap: wrap; align-items: center; gap: var(--ma-space-2); }
    .catalogue ma-catalogue-search { align-self: stretch; }
    .outcomes { list-style: none; margin: var(--ma-space-3) 0 0; padding: 0; display: grid; gap: var(--ma-space-2); }
    .outcomes li { display: flex; gap: var(--ma-space-2); align-items: flex-start; padding: var(--ma-space-2);
                   border-radius: var(--ma-radius-sm); border-left: 3px solid var(--ma-border); background: var(--ma-surface-2); }
    .outcomes li.ok { border-left-color: var(--ma-ok); }
    .outcomes li.warn { border-left-color: var(--ma-warn); background: var(--ma-warn-bg); }
    .outcomes li.error { border-left-color: var(--ma-error); background: var(--ma-error-bg); }
    .outcomes img { background: #fff; border-radius: var(--ma-radius-sm); object-fit: contain; flex: none; }
    .what { flex: 1; min-width: 0; display: flex; flex-direction: column; font-size: var(--ma-text-sm); }
    .file { color: var(--ma-text-muted); font-size: var(--ma-text-xs); overflow-wrap: anywhere; }
    .ok b { color: var(--ma-ok); } .warn b { color: var(--ma-warn); } .error b { color: var(--ma-error); }
    .dismiss { flex: none; }
    .checking-line { display: flex; gap: var(--ma-space-2); align-items: center; }
    .seen ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
    .seen li { display: flex; flex-wrap: wrap; gap: 0 var(--ma-space-2); align-items: baseline; }
    .danger { color: var(--ma-error); }
    .dropveil { position: absolute; inset: 0; display: grid; place-items: center; border: 2px dashed var(--ma-primary);
                border-radius: var(--ma-radius); background: rgb(16 20 24 / 85%); font-size: var(--ma-text-lg); pointer-events: none; }
    @media (max-width: 560px) {
      .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
      .thumb, .img { width: 96px; } .img { height: 72px; }
      .drop { width: 100%; }
    }
  `,
})
export class BrandCardComponent implements OnDestroy {
  readonly brand = input.required<BrandWithTotals>();
  readonly canControl = input(false);
  /** Why the catalogue cannot be used ('' when it can). */
  readonly catalogueBlocked = input('');
  /** Open the catalogue at once (a brand just added). */
  readonly openCatalogue = input(false);
  /** Logos or the name changed: the page re-reads the list. */
  readonly changed = output<void>();
  readonly removed = output<string>();

  private readonly api = inject(BrandsApi);
  private readonly dialog = inject(MatDialog);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly nameBox = viewChild<ElementRef<HTMLInputElement>>('nameBox');
  protected readonly SHOWN_STREAMS = SHOWN_STREAMS;
  protected readonly duration = duration;
  protected readonly percent = percent;

  readonly logos = signal<BrandLogo[]>([]);
  readonly loadingLogos = signal(true);
  /** logo id -> image URL (the API's image, or the file / glyph just added). */
  readonly previews = signal<Record<string, string>>({});
  readonly outcomes = signal<Outcome[]>([]);
  readonly checking = computed(() => this.outcomes().some((o) => !o.verdict));
  readonly showCatalogue = signal(false);
  readonly renaming = signal(false);
  readonly busy = signal(false);
  readonly dragging = signal(false);
  readonly allStreams = signal(false);
  readonly error = signal('');
  /** The aliases as last saved (or as the list gave them). */
  readonly aliases = signal<string[]>([]);
  readonly savingAliases = signal(false);
  readonly separators = [ENTER, COMMA];
  readonly aliasMax = ALIAS_MAX;
  /** A placeholder alias: the name's first word, or a short form. */
  readonly example = computed(() => {
    const words = this.brand().name.split(/[\s-]+/).filter(Boolean);
    return words.length > 1 ? words.map((w) => w[0]).join('').toUpperCase() : `${this.brand().name} Inc.`;
  });
  readonly shownStreams = computed(() => (this.allStreams() ? this.brand().streams : this.brand().streams.slice(0, SHOWN_STREAMS)));
  private readonly brandId = computed(() => this.brand().brand_id);
  private readonly ownedUrls: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  private keys = 0;

  constructor() {
    effect(() => this.aliases.set([...(this.brand().aliases ?? [])]));
    effect(() => {
      const id = this.brandId(); // not on every re-read of the list: only a new brand
      untracked(() => void this.loadLogos(id));
    });
    effect(() => {
      if (this.openCatalogue()) untracked(() => {
        this.showCatalogue.set(true);
        this.host.nativeElement.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      });
    });
  }

  kind(logo: BrandLogo): string {
    return (logo.content_type ?? logo.logo_id.split('.').pop() ?? '').replace('image/', '');
  }

  kb(logo: BrandLogo): string {
    return `${Math.max(1, Math.round(logo.size / 1024))} kB`;
  }

  detail(logo: BrandLogo): string {
    return logo.check ? `${logo.check.quality}: ${checkDetail(logo.check)}` : '';
  }

  async loadLogos(id = this.brand().brand_id): Promise<void> {
    try {
      const { logos } = await this.api.logos(id);
      this.logos.set(logos);
      for (const logo of logos) if (!this.previews()[logo.logo_id]) void this.loadPreview(id, logo.logo_id);
    } catch (e) {
      this.error.set(`Cannot read the logos: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.loadingLogos.set(false);
    }
  }

  private async loadPreview(id: string, logoId: string): Promise<void> {
    try {
      const url = URL.createObjectURL(await this.api.logoImage(id, logoId));
      this.ownedUrls.push(url);
      this.previews.update((p) => ({ ...p, [logoId]: url }));
    } catch {
      // No image route on this server (or gone): the tile shows the file's type instead.
    }
  }

  // --- adding logos: each goes through the check in turn (the model service is shared) ---
  dragOver(event: DragEvent): void {
    if (!this.canControl() || !event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    this.dragging.set(true);
  }

  dragLeave(event: DragEvent): void {
    const to = event.relatedTarget as Node | null;
    if (!to || !this.host.nativeElement.contains(to)) this.dragging.set(false);
  }

  drop(event: DragEvent): void {
    if (!this.canControl()) return;
    event.preventDefault();
    this.dragging.set(false);
    this.addFiles([...(event.dataTransfer?.files ?? [])]);
  }

  picked(input: HTMLInputElement): void {
    this.addFiles([...(input.files ?? [])]);
    input.value = ''; // the same file can be chosen again
  }

  addFiles(files: File[]): void {
    for (const file of files) {
      const early = precheck(file);
      const preview = early ? null : this.own(URL.createObjectURL(file));
      const outcome = this.startOutcome(file.name, preview, early);
      if (!early) this.enqueue(outcome, () => this.api.uploadLogo(this.brand().brand_id, file, file.name), preview);
    }
  }

  addFromCatalogue(icon: CatalogueIcon): void {
    const preview = this.api.catalogueSvg(icon);
    const outcome = this.startOutcome(`${icon.title} (catalogue)`, preview, null);
    this.enqueue(outcome, () => this.api.addFromCatalogue(this.brand().brand_id, icon.slug), preview);
  }

  private startOutcome(name: string, preview: string | null, verdict: Verdict | null): Outcome {
    const outcome = { key: ++this.keys, name, preview, verdict };
    this.outcomes.update((list) => [outcome, ...list]);
    return outcome;
  }

  private enqueue(outcome: Outcome, send: () => Promise<BrandLogo>, preview: string | null): void {
    this.queue = this.queue.then(async () => {
      let verdict: Verdict;
      try {
        const logo = await send();
        verdict = storedVerdict(logo);
        if (preview) this.previews.update((p) => ({ ...p, [logo.logo_id]: p[logo.logo_id] ?? preview }));
        await this.loadLogos();
        this.changed.emit();
      } catch (e) {
        verdict = e instanceof ApiError ? refusedVerdict(e.status, e.message) : refusedVerdict(0, e instanceof Error ? e.message : String(e));
      }
      this.outcomes.update((list) => list.map((o) => (o.key === outcome.key ? { ...o, verdict } : o)));
    });
  }

  dismiss(outcome: Outcome): void {
    this.outcomes.update((list) => list.filter((o) => o.key !== outcome.key));
  }

  private own(url: string): string {
    this.ownedUrls.push(url);
    return url;
  }

  // --- aliases: each change saved at once (PATCH with the whole list) ---
  async addAlias(event: MatChipInputEvent): Promise<void> {
    const next = withAlias(this.aliases(), event.value, this.brand().name);
    event.chipInput.clear();
    if (next.error) {
      this.error.set(next.error);
      return;
    }
    if (next.aliases.length !== this.aliases().length) await this.saveAliases(next.aliases);
  }

  async removeAlias(alias: string): Promise<void> {
    await this.saveAliases(this.aliases().filter((a) => a !== alias));
  }

  private async saveAliases(aliases: string[]): Promise<void> {
    const before = this.aliases();
    this.aliases.set(aliases);
    this.savingAliases.set(true);
    this.error.set('');
    try {
      const saved = await this.api.setAliases(this.brand().brand_id, aliases);
      if (saved?.aliases) this.aliases.set([...saved.aliases]);
    } catch (e) {
      this.aliases.set(before);
      this.error.set(`Could not save the aliases: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.savingAliases.set(false);
    }
  }

  // --- rename, delete ---
  startRename(): void {
    this.renaming.set(true);
    setTimeout(() => this.nameBox()?.nativeElement.select());
  }

  async saveName(event: Event): Promise<void> {
    event.preventDefault();
    const name = this.nameBox()?.nativeElement.value.trim() ?? '';
    if (!name || name === this.brand().name) {
      this.renaming.set(false);
      return;
    }
    await this.act(async () => {
      await this.api.renameBrand(this.brand().brand_id, name);
      this.renaming.set(false);
      this.changed.emit();
    });
  }

  async remove(): Promise<void> {
    const b = this.brand();
    const logos = this.logos().length;
    const ok = await confirmAction(this.dialog, {
      title: `Delete the brand “${b.name}”?`,
      message: `“${b.name}” will no longer be looked for in any stream, and its ${logos} reference logo${logos === 1 ? '' : 's'} will be deleted. Results already recorded keep their seconds.`,
      confirmLabel: 'Delete brand',
    });
    if (ok) await this.act(async () => {
      await this.api.deleteBrand(b.brand_id);
      this.removed.emit(b.brand_id);
    });
  }

  async removeLogo(logo: BrandLogo): Promise<void> {
    const b = this.brand();
    const last = this.logos().length === 1;
    const ok = await confirmAction(this.dialog, {
      title: `Delete a logo of “${b.name}”?`,
      message: `This reference logo of “${b.name}” is deleted and no longer looked for.${last ? ` It is the brand’s only logo: “${b.name}” cannot be found until another is added.` : ''}`,
      confirmLabel: 'Delete logo',
    });
    if (ok) await this.act(async () => {
      await this.api.deleteLogo(b.brand_id, logo.logo_id);
      await this.loadLogos();
      this.changed.emit();
    });
  }

  private async act(action: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await action();
    } catch (e) {
      this.error.set(e instanceof Error ? e.message : String(e));
    } finally {
      this.busy.set(false);
    }
  }

  ngOnDestroy(): void {
    for (const url of this.ownedUrls) URL.revokeObjectURL(url);
  }
}
