import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injectable,
  OnDestroy,
  afterNextRender,
  effect,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { AnalystApi } from '../core/api.service';

/**
 * Evidence frames (`GET /v1/streams/{id}/evidence/{seq}/{brand}`) as object URLs: the route
 * needs the user's credential, which an <img src> cannot send, so each JPEG is fetched once
 * with it and kept for the page's life (the page that provides this revokes them all).
 * Where the store signs URLs the API answers with a redirect, which fetch follows.
 */
@Injectable()
export class EvidenceCache implements OnDestroy {
  private readonly api = inject(AnalystApi);
  private readonly urls = new Map<string, Promise<string>>();
  private readonly made: string[] = [];

  url(path: string): Promise<string> {
    let url = this.urls.get(path);
    if (!url) {
      url = this.api.blob(path).then((blob) => {
        const made = URL.createObjectURL(blob);
        this.made.push(made);
        return made;
      });
      url.catch(() => this.urls.delete(path)); // try again next time
      this.urls.set(path, url);
    }
    return url;
  }

  ngOnDestroy(): void {
    for (const url of this.made) URL.revokeObjectURL(url);
    this.urls.clear();
  }
}

/** One evidence thumbnail: fetched when it comes within about a screen of the viewport
 *  (`eager`: at once), so a list of hundreds does not fetch them all. */
@Component({
  selector: 'ma-evidence',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (src(); as url) {
      <img [src]="url" [alt]="alt()" (load)="loaded.emit()" (error)="src.set(null); failed.set(true); loaded.emit()" data-testid="evidence" />
    } @else {
      <span class="none">{{ !path() ? 'no frame' : failed() ? 'unavailable' : '' }}</span>
    }
  `,
  styles: `
    :host { display: block; aspect-ratio: 16 / 9; background: #0b0e11; border-radius: var(--ma-radius-sm); overflow: hidden; }
    img { display: block; width: 100%; height: 100%; object-fit: cover; }
    .none { display: grid; place-items: center; height: 100%; font-size: var(--ma-text-xs); color: var(--ma-text-muted); }
  `,
})
export class EvidenceComponent implements OnDestroy {
  readonly path = input<string | null>(null);
  readonly alt = input('');
  readonly eager = input(false);
  /** The image has loaded (or there is none to load). */
  readonly loaded = output<void>();
  readonly src = signal<string | null>(null);
  readonly failed = signal(false);
  private readonly cache = inject(EvidenceCache);
  private readonly host = inject(ElementRef<HTMLElement>);
  private readonly visible = signal(false);
  private observer?: IntersectionObserver;

  constructor() {
    afterNextRender(() => {
      if (this.eager()) {
        this.visible.set(true);
        return;
      }
      this.observer = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            this.visible.set(true);
            this.observer?.disconnect();
          }
        },
        { rootMargin: '1200px' }, // a screenful or so ahead: loaded before it is scrolled to
      );
      this.observer.observe(this.host.nativeElement);
    });
    effect(() => {
      const path = this.path();
      if (!this.visible()) return;
      if (!path) {
        this.loaded.emit();
        return;
      }
      this.failed.set(false);
      this.cache.url(path).then(
        (url) => this.path() === path && this.src.set(url),
        () => {
          this.failed.set(true);
          this.loaded.emit();
        },
      );
    });
  }

  ngOnDestroy(): void {
    this.observer?.disconnect();
  }
}
