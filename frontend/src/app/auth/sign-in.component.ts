import { Component, OnInit, computed, inject, input, signal } from '@angular/core';
import { Router } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { DemoAccount } from '../core/config';
import { SessionService } from '../core/session.service';
import { StreamsService } from '../core/streams.service';

/** Firebase Auth sign-in errors, in words a user can act on. */
export function signInError(e: unknown): string {
  const code = (e as { code?: string })?.code ?? '';
  if (['auth/invalid-credential', 'auth/wrong-password', 'auth/user-not-found', 'auth/invalid-email'].includes(code)) {
    return 'Wrong email or password.';
  }
  if (code === 'auth/too-many-requests') return 'Too many attempts: wait a minute and try again.';
  if (code === 'auth/popup-closed-by-user' || code === 'auth/cancelled-popup-request') return 'The sign-in window was closed.';
  if (code === 'auth/network-request-failed') return 'Cannot reach the sign-in service. Check the connection and retry.';
  return `Sign-in failed: ${e instanceof Error ? e.message : e}`;
}

/** `#/sign-in`: email and password (with the embedded stack's demo accounts as one-click
 *  buttons), or Google; an account without a role is told to ask an admin. */
@Component({
  selector: 'ma-sign-in',
  imports: [MatButtonModule],
  template: `
    <section class="ma-card box" data-testid="sign-in">
      @if (session.access() === 'no-access') {
        <h1>Ask an admin for access</h1>
        <p data-testid="no-access">You are signed in as <b>{{ who() }}</b>, but this account has no role yet. An admin
          grants the <b>viewer</b> role (see results) or the <b>admin</b> role (manage streams and brands).</p>
        <p class="muted">Once granted, sign in again or check now.</p>
        <div class="row">
          <button mat-flat-button type="button" (click)="recheck()" [disabled]="busy()">Check again</button>
          <button mat-button type="button" (click)="signOut()">Sign in with another account</button>
        </div>
      } @else if (session.access() === 'allow') {
        <h1>Signed in</h1>
        <p>as <b>{{ who() }}</b>.</p>
        <button mat-flat-button type="button" (click)="continue()">Continue</button>
      } @else {
        <h1>Sign in to Media Analyzer</h1>
        @if (session.method === 'email') {
          @if (session.demoAccounts.length) {
            <p class="muted">Local demo accounts:</p>
            <div class="demo">
              @for (a of session.demoAccounts; track a.email) {
                <button mat-stroked-button type="button" (click)="demo(a)" [disabled]="busy()"
                        [attr.data-testid]="'demo-' + a.role">Sign in as {{ a.role }} <span class="muted">{{ a.email }}</span></button>
              }
            </div>
            <p class="or"><span>or</span></p>
          }
          <form (submit)="submit($event)" class="form">
            <label for="email">Email</label>
            <input #emailInput id="email" type="email" autocomplete="username" required [value]="email()"
                   (input)="email.set(emailInput.value)" data-testid="email" />
            <label for="password">Password</label>
            <input #passwordInput id="password" type="password" autocomplete="current-password" required
                   (input)="password.set(passwordInput.value)" data-testid="password" />
            <button mat-flat-button type="submit" [disabled]="busy() || !email() || !password()">Sign in</button>
          </form>
        } @else if (session.method === 'google') {
          <p class="muted">Use the Google account your admin gave access to.</p>
          <button mat-flat-button type="button" (click)="google()" [disabled]="busy()">Sign in with Google</button>
        } @else {
          <p class="muted">This dashboard needs no sign-in.</p>
          <button mat-flat-button type="button" (click)="continue()">Open the dashboard</button>
        }
      }
      @if (error() || session.error()) { <p class="error-text" role="alert" data-testid="sign-in-error">{{ error() || session.error() }}</p> }
    </section>
  `,
  styles: `
    .box { max-width: 420px; margin: 10vh auto 0; padding: var(--ma-space-5); }
    h1 { margin-bottom: var(--ma-space-4); }
    .form { display: flex; flex-direction: column; gap: var(--ma-space-2); }
    .form input { padding: 10px; font-size: var(--ma-text-md); }
    .form button { margin-top: var(--ma-space-3); }
    .demo { display: flex; flex-direction: column; gap: var(--ma-space-2); }
    .demo button { justify-content: flex-start; }
    .demo .muted { margin-left: var(--ma-space-2); }
    .or { display: flex; align-items: center; gap: var(--ma-space-2); color: var(--ma-text-muted); margin: var(--ma-space-4) 0; }
    .or::before, .or::after { content: ''; flex: 1; border-top: 1px solid var(--ma-border); }
    .row { display: flex; flex-wrap: wrap; gap: var(--ma-space-2); }
    label { font-size: var(--ma-text-sm); color: var(--ma-text-muted); }
  `,
})
export class SignInComponent implements OnInit {
  /** Where to go after signing in (query parameter). */
  readonly next = input<string>('/');
  protected readonly session = inject(SessionService);
  private readonly streams = inject(StreamsService);
  private readonly router = inject(Router);
  readonly email = signal('');
  readonly password = signal('');
  readonly busy = signal(false);
  readonly error = signal('');
  readonly who = computed(() => this.session.user()?.email ?? this.session.user()?.uid ?? '');

  async ngOnInit(): Promise<void> {
    await this.session.init();
    // Nothing to do here for a user who may already use the app (e.g. a bookmarked #/sign-in).
    if (this.session.access() === 'allow' && this.session.method !== 'email' && this.session.method !== 'google') {
      await this.continue();
    }
  }

  demo(account: DemoAccount): Promise<void> {
    return this.attempt(() => this.session.signInWithEmail(account.email, account.password));
  }

  submit(event: Event): Promise<void> {
    event.preventDefault();
    return this.attempt(() => this.session.signInWithEmail(this.email().trim(), this.password()));
  }

  google(): Promise<void> {
    return this.attempt(() => this.session.signInWithGoogle());
  }

  recheck(): Promise<void> {
    return this.attempt(() => this.session.refresh(true));
  }

  async signOut(): Promise<void> {
    this.streams.stop();
    await this.session.signOut();
  }

  async continue(): Promise<void> {
    const next = this.next() || '/';
    await this.router.navigateByUrl(next.startsWith('/') && !next.startsWith('/sign-in') ? next : '/');
  }

  private async attempt(action: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await action();
      if (this.session.access() === 'allow') await this.continue();
    } catch (e) {
      this.error.set(signInError(e));
    } finally {
      this.busy.set(false);
    }
  }
}
