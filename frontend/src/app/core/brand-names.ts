import { Injectable, computed, inject, signal } from '@angular/core';
import { BrandsApi } from './api.service';
import { BRAND_PALETTE } from './design-tokens';

/** A brand's display name from an id → name table: the id itself for a brand the table
 *  does not know (deleted, or the list not read yet). */
export function brandName(names: Readonly<Record<string, string>>, id: string): string {
  return Object.hasOwn(names, id) && names[id] ? names[id] : id;
}

/** Brand colours for a library of brand ids: each brand the palette slot of its place in
 *  the library in id order, so the first ten brands never share a colour and a brand has
 *  the same colour on every page (it moves only when a brand sorting before it is added or
 *  deleted). A brand the library does not hold (deleted since, or set in MA_BRANDS) takes
 *  the next slot after the library's when first asked for, and keeps it. */
export function libraryColours(ids: readonly string[]): (brand: string) => string {
  const sorted = [...ids].sort();
  const slots = new Map(sorted.map((id, i) => [id, i % BRAND_PALETTE.length]));
  let next = sorted.length;
  return (brand) => {
    let slot = slots.get(brand);
    if (slot === undefined) {
      slot = next++ % BRAND_PALETTE.length;
      slots.set(brand, slot);
    }
    return BRAND_PALETTE[slot];
  };
}

/**
 * Brand names and colours for the pages that only hold ids (appearances, timelines, totals): the
 * library's list (`GET /v1/brands`), read once per session and again on `refresh()`. Until
 * it arrives, or when it cannot be read, ids stand in for names.
 */
@Injectable({ providedIn: 'root' })
export class BrandNames {
  private readonly api = inject(BrandsApi);
  private readonly table = signal<Readonly<Record<string, string>>>({});
  private loading?: Promise<void>;

  /** id → name, as read. */
  readonly names = this.table.asReadonly();

  /** brand id → its colour (libraryColours of the list as read). */
  readonly colour = computed(() => libraryColours(Object.keys(this.table())));

  constructor() {
    void this.load();
  }

  /** The name of `id` (a signal read: templates update when the list arrives). */
  name(id: string): string {
    return brandName(this.table(), id);
  }

  /** Reads the list once (later calls share the first read). */
  load(): Promise<void> {
    return (this.loading ??= this.read());
  }

  /** Reads the list again (a page opened after a rename shows the new name). */
  refresh(): Promise<void> {
    return (this.loading = this.read());
  }

  private async read(): Promise<void> {
    try {
      const list = await this.api.brands();
      this.table.set(Object.fromEntries(list.brands.map((b) => [b.brand_id, b.name])));
    } catch {
      // ids stand in for names
    }
  }
}
