import { describe, expect, it } from 'vitest';
import { RuntimeConfig } from './config';
import { accessDecision, roleFromClaims, roleWithoutAccount } from './roles';

const config: RuntimeConfig = { apiBase: '', firebase: { projectId: 'p', apiKey: 'k' }, signIn: 'email' };

describe('roles from ID token claims (functions/api/auth.py)', () => {
  it('admin implies everything, viewer reads, anything else is no role', () => {
    expect(roleFromClaims({ admin: true })).toBe('admin');
    expect(roleFromClaims({ admin: true, viewer: true })).toBe('admin');
    expect(roleFromClaims({ viewer: true })).toBe('viewer');
    expect(roleFromClaims({})).toBe('none');
    // The API wants the claim to be exactly true.
    expect(roleFromClaims({ admin: 'true', viewer: 1 })).toBe('none');
  });

  it('follows renamed claims (MA_API_ADMIN_CLAIM / MA_API_VIEWER_CLAIM)', () => {
    const names = { admin: 'ma_admin', viewer: 'ma_viewer' };
    expect(roleFromClaims({ admin: true }, names)).toBe('none');
    expect(roleFromClaims({ ma_admin: true }, names)).toBe('admin');
    expect(roleFromClaims({ ma_viewer: true }, names)).toBe('viewer');
  });

  it('without an account, only the development token controls', () => {
    expect(roleWithoutAccount({ ...config, signIn: 'none' })).toBe('viewer');
    expect(roleWithoutAccount({ ...config, signIn: 'anonymous', devToken: 't' })).toBe('admin');
  });
});

describe('accessDecision', () => {
  it('sends visitors without an account to sign in, and accounts without a role to ask for one', () => {
    expect(accessDecision('email', false, null)).toBe('sign-in');
    expect(accessDecision('google', false, null)).toBe('sign-in');
    expect(accessDecision('email', true, 'none')).toBe('no-access');
    expect(accessDecision('email', true, 'viewer')).toBe('allow');
    expect(accessDecision('google', true, 'admin')).toBe('allow');
  });

  it('lets everyone in where nobody signs in', () => {
    expect(accessDecision('none', false, 'viewer')).toBe('allow');
    expect(accessDecision('anonymous', true, 'admin')).toBe('allow');
  });
});
