import { InjectionToken } from '@angular/core';

/** Where this dashboard finds its backends; served as /config.json next to the app. */
export interface RuntimeConfig {
  apiBase: string;
  firebase: { projectId: string; apiKey: string; authDomain?: string };
  /** host:port of the local emulators, when the dashboard runs against the embedded stack. */
  emulators?: { firestore?: string; auth?: string };
  /** How users sign in: 'email' (email and password: the local Auth emulator's seeded
   * accounts, or a project with that provider), 'google' (popup, a real Firebase project),
   * 'anonymous' (the embedded stack before it seeded accounts) or 'none' (no sign-in:
   * compose/KIND with the API's public read). */
  signIn: 'email' | 'google' | 'anonymous' | 'none';
  /** Accounts the embedded stack seeds in its Auth emulator, offered as one-click
   *  sign-ins; never present in a real deployment. */
  demoAccounts?: DemoAccount[];
  /** Custom claim names (MA_API_VIEWER_CLAIM / MA_API_ADMIN_CLAIM); default viewer / admin. */
  roleClaims?: { viewer?: string; admin?: string };
  /** The embedded stack's API development token; never present in a real deployment. */
  devToken?: string;
}

export interface DemoAccount {
  email: string;
  password: string;
  role: string;
}

export const RUNTIME_CONFIG = new InjectionToken<RuntimeConfig>('RUNTIME_CONFIG');

export async function loadConfig(url = 'config.json'): Promise<RuntimeConfig> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  }
  return (await response.json()) as RuntimeConfig;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** How this dashboard signs in. Anonymous sign-in belongs to the embedded stack only
 *  (its Auth emulator on this machine); anywhere else it would hand any visitor an
 *  identity, so it becomes 'none'. */
export function signInMethod(config: RuntimeConfig): RuntimeConfig['signIn'] {
  if (config.signIn !== 'anonymous') return config.signIn;
  const host = (config.emulators?.auth ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return LOOPBACK.includes(host) ? 'anonymous' : 'none';
}
