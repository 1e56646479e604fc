import { bootstrapApplication } from '@angular/platform-browser';
import { provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideRouter, withComponentInputBinding, withHashLocation } from '@angular/router';
import { AppComponent } from './app/app.component';
import { routes } from './app/app.routes';
import { loadConfig, RUNTIME_CONFIG } from './app/core/config';
import { legacyStreamUrl } from './app/core/legacy-url';

// `?stream=ID` links from before hash routing open `#/streams/ID`.
const legacy = legacyStreamUrl(location.href);
if (legacy) history.replaceState(null, '', legacy);

// The runtime config (API base, Firebase project, emulators, sign-in) comes from the
// server that serves the app, so one build runs against any deployment.
loadConfig().then((config) =>
  bootstrapApplication(AppComponent, {
    providers: [
      provideBrowserGlobalErrorListeners(),
      { provide: RUNTIME_CONFIG, useValue: config },
      // Route parameters (:id) and query parameters arrive as component inputs.
      provideRouter(routes, withHashLocation(), withComponentInputBinding()),
    ],
  }),
).catch((e) => {
  // Without its config the app cannot start: say so instead of a blank page.
  document.body.textContent = `The dashboard cannot start: ${e instanceof Error ? e.message : e}`;
});
