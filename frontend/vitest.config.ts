import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

// Unit tests run in real headless Debian Chromium (canvas, media, signals as in the app),
// driven by Playwright with the system browser: no browser is ever downloaded.
export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts'],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
