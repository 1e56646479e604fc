import { Injectable, computed, inject, signal } from '@angular/core';
import { RUNTIME_CONFIG, signInMethod } from './config';
import { FirebaseService, SignedInUser } from './firebase.service';
import { Access, Role, accessDecision, roleFromClaims, roleWithoutAccount } from './roles';

/** Who uses the dashboard and what they may do, as signals for the shell and pages. */
@Injectable({ providedIn: 'root' })
export class SessionService {
  private readonly config = inject(RUNTIME_CONFIG);
  private readonly firebase = inject(FirebaseService);
  readonly method = signInMethod(this.config);
  readonly demoAccounts = this.config.demoAccounts ?? [];
  readonly user = signal<SignedInUser | null>(null);
  /** null until known (or while signed out). */
  readonly role = signal<Role | null>(null);
  readonly error = signal('');
  readonly canControl = computed(() => this.role() === 'admin');
  readonly access = computed<Access>(() => accessDecision(this.method, !!this.user(), this.role()));
  /** Signing out is offered only where there is an account to sign out of. */
  readonly hasAccount = computed(() => !!this.user() && !this.user()!.anonymous);
  private started?: Promise<void>;

  /** Resolves once the user (or the lack of one) is known. */
  init(): Promise<void> {
    this.started ??= this.refresh().catch((e) => {
      this.started = undefined; // try again on the next navigation
      this.error.set(`cannot reach sign-in: ${e instanceof Error ? e.message : e}`);
    });
    return this.started;
  }

  async refresh(forceToken = false): Promise<void> {
    if (this.method === 'none') {
      this.role.set(roleWithoutAccount(this.config));
      return;
    }
    const user = await this.firebase.currentUser(forceToken);
    this.user.set(user);
    this.role.set(!user ? null : user.anonymous ? roleWithoutAccount(this.config) : roleFromClaims(user.claims, this.config.roleClaims));
    this.error.set('');
  }

  async signInWithEmail(email: string, password: string): Promise<void> {
    await this.firebase.signInWithEmail(email, password);
    await this.refresh(true);
  }

  async signInWithGoogle(): Promise<void> {
    await this.firebase.signInWithGoogle();
    await this.refresh(true);
  }

  async signOut(): Promise<void> {
    await this.firebase.signOut();
    this.user.set(null);
    this.role.set(null);
  }
}
