import { RuntimeConfig } from './config';

/** What a user may do: `admin` controls (create/rotate/delete streams, mode, backfill,
 *  brand edits) and reads; `viewer` reads; `none` is signed in without either claim. */
export type Role = 'admin' | 'viewer' | 'none';

/** The role an ID token's custom claims grant (functions/api/auth.py: the claim must be
 *  `true`; admin implies read). */
export function roleFromClaims(claims: Record<string, unknown>, names: RuntimeConfig['roleClaims'] = {}): Role {
  if (claims[names?.admin ?? 'admin'] === true) return 'admin';
  if (claims[names?.viewer ?? 'viewer'] === true) return 'viewer';
  return 'none';
}

/** Without an account ('none', or the embedded stack's anonymous mode) the dashboard can
 *  control only with the embedded stack's development token; otherwise it only reads. */
export function roleWithoutAccount(config: RuntimeConfig): Role {
  return config.devToken ? 'admin' : 'viewer';
}

export type Access = 'allow' | 'sign-in' | 'no-access';

/** Where a visitor may go: the app, the sign-in screen, or "ask an admin for access". */
export function accessDecision(method: RuntimeConfig['signIn'], signedIn: boolean, role: Role | null): Access {
  const accounts = method === 'email' || method === 'google';
  if (accounts && !signedIn) return 'sign-in';
  if (role === 'none') return 'no-access';
  return role === null ? 'sign-in' : 'allow';
}
