import { describe, expect, it } from 'vitest';
import { RuntimeConfig, signInMethod } from './config';

const base: RuntimeConfig = { apiBase: 'http://127.0.0.1:8081', firebase: { projectId: 'p', apiKey: 'k' }, signIn: 'anonymous' };

describe('signInMethod', () => {
  it('signs in anonymously against the embedded stack Auth emulator', () => {
    for (const auth of ['127.0.0.1:9099', 'localhost:9099', '[::1]:9099']) {
      expect(signInMethod({ ...base, emulators: { auth } })).toBe('anonymous');
    }
  });

  it('never signs in anonymously anywhere else', () => {
    expect(signInMethod(base)).toBe('none');
    expect(signInMethod({ ...base, emulators: { auth: 'auth.example:9099' } })).toBe('none');
    expect(signInMethod({ ...base, emulators: { auth: '127.0.0.1.example:9099' } })).toBe('none');
  });

  it('keeps the other methods', () => {
    expect(signInMethod({ ...base, signIn: 'google' })).toBe('google');
    expect(signInMethod({ ...base, signIn: 'none' })).toBe('none');
  });
});

describe('signInMethod with accounts', () => {
  it('keeps email sign-in wherever it is configured', () => {
    expect(signInMethod({ ...base, signIn: 'email', emulators: { auth: '127.0.0.1:9099' } })).toBe('email');
    expect(signInMethod({ ...base, signIn: 'email' })).toBe('email');
  });
});
