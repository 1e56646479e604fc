import { Component, computed, effect, inject } from '@angular/core';
import { NavigationEnd, Router, RouterLink, RouterOutlet } from '@angular/router';
import { toSignal } from '@angular/core/rxjs-interop';
import { filter, map } from 'rxjs';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { headerState } from './core/header-state';
import { navSection } from './core/nav-section';
import { SessionService } from './core/session.service';
import { StreamsService } from './core/streams.service';
import { IconComponent } from './ui/icon.component';

/** The shell: top app bar (navigation, what the connection state means, who is signed in
 *  with which role) around the routed page. */
@Component({
  selector: 'ma-root',
  imports: [RouterOutlet, RouterLink, MatToolbarModule, MatButtonModule, MatMenuModule,
            MatTooltipModule, IconComponent],
  template: `
    <mat-toolbar class="bar no-print" role="banner">
      @if (allowed()) {
        <button mat-icon-button class="nav-menu" [matMenuTriggerFor]="navMenu" aria-label="Navigation" data-testid="nav-menu">
          <ma-icon name="menu" /></button>
        <mat-menu #navMenu="matMenu">
          @for (link of links; track link.path) {
            <a mat-menu-item [routerLink]="link.path">{{ link.label }}</a>
          }
        </mat-menu>
      }
      <a class="logo" routerLink="/">Media Analyzer</a>
      @if (allowed()) {
        <nav class="links" aria-label="Main">
          @for (link of links; track link.path) {
            <a mat-button [routerLink]="link.path" [class.active]="isActive(link.section)"
               [attr.data-testid]="'nav-' + link.label.toLowerCase()">{{ link.label }}</a>
          }
        </nav>
      }
      <span class="spacer"></span>
      @if (allowed()) {
        <span class="ma-chip" [class]="state().tone" [matTooltip]="state().meaning" tabindex="0"
              [attr.aria-label]="state().label + ': ' + state().meaning" data-testid="header-state">{{ state().label }}</span>
      }
      @if (session.user() || session.role()) {
        <button mat-button class="user" [matMenuTriggerFor]="userMenu" data-testid="user-menu"
                [attr.aria-label]="'Account: ' + who() + ', ' + roleLabel()">
          <ma-icon name="person" /><span class="who">{{ who() }}</span>
          <span class="role" data-testid="user-role">{{ roleLabel() }}</span>
        </button>
        <mat-menu #userMenu="matMenu">
          <div class="menu-head">
            <div>{{ who() }}</div>
            <div class="muted">{{ roleMeaning() }}</div>
          </div>
          @if (session.hasAccount()) {
            <button mat-menu-item (click)="signOut()" data-testid="sign-out"><ma-icon name="logout" /> Sign out</button>
          }
        </mat-menu>
      }
    </mat-toolbar>
    <main>
      <router-outlet />
    </main>
  `,
  styles: `
    :host { display: block; min-height: 100vh; }
    .bar { position: sticky; top: 0; z-index: 10; gap: var(--ma-space-2); border-bottom: 1px solid var(--ma-border);
           height: 56px; padding: 0 var(--ma-space-3); }
    .logo { color: var(--ma-text); text-decoration: none; font-size: var(--ma-text-lg); font-weight: 700; margin-right: var(--ma-space-3);
            white-space: nowrap; }
    .links { display: flex; gap: var(--ma-space-1); }
    .links a.active { background: var(--ma-surface-2); color: var(--ma-primary); }
    .spacer { flex: 1; }
    .user { display: inline-flex; align-items: center; gap: var(--ma-space-1); }
    .user .who { max-width: 200px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; margin: 0 var(--ma-space-1); }
    .role { font-size: var(--ma-text-xs); color: var(--ma-text-muted); text-transform: uppercase; letter-spacing: 0.04em; }
    .menu-head { padding: var(--ma-space-2) var(--ma-space-4); border-bottom: 1px solid var(--ma-border); }
    .nav-menu { display: none; }
    main { max-width: 1680px; margin: 0 auto; padding: var(--ma-space-4); }
    @media (max-width: 720px) {
      .links { display: none; }
      .nav-menu { display: inline-flex; }
      .user .who { display: none; }
      .logo { font-size: var(--ma-text-md); margin-right: 0; }
      main { padding: var(--ma-space-2); }
    }
  `,
})
export class AppComponent {
  protected readonly session = inject(SessionService);
  private readonly streams = inject(StreamsService);
  private readonly router = inject(Router);
  readonly links = [
    { path: '/', label: 'Streams', section: 'streams' },
    { path: '/brands', label: 'Brands', section: 'brands' },
    { path: '/history', label: 'History', section: 'history' },
  ];
  /** The section the current page belongs to: the overview and every stream are Streams. */
  private readonly section = toSignal(
    this.router.events.pipe(
      filter((e) => e instanceof NavigationEnd),
      map(() => navSection(this.router.url)),
    ),
    { initialValue: navSection(this.router.url) },
  );
  isActive(section: string): boolean {
    return this.section() === section;
  }
  readonly allowed = computed(() => this.session.access() === 'allow');
  readonly state = computed(() => headerState(this.streams.listener(), this.streams.selected(), this.streams.error()));
  readonly who = computed(() => {
    const user = this.session.user();
    if (!user || user.anonymous) return this.session.method === 'none' ? 'Public access' : 'Local user';
    return user.email ?? user.displayName ?? user.uid;
  });
  readonly roleLabel = computed(() => ({ admin: 'Admin', viewer: 'Viewer', none: 'No access' })[this.session.role() ?? 'none']);
  readonly roleMeaning = computed(() =>
    ({
      admin: 'Admin: can create and delete streams, change modes, edit brands.',
      viewer: 'Viewer: can see streams, results and brands; cannot change them.',
      none: 'No access yet: ask an admin to grant you a role.',
    })[this.session.role() ?? 'none'],
  );

  constructor() {
    // The streams listener serves the header and every page once the user may read.
    effect(() => {
      if (this.allowed()) void this.streams.start();
    });
  }

  async signOut(): Promise<void> {
    this.streams.stop();
    await this.session.signOut();
    await this.router.navigate(['/sign-in']);
  }
}
