import { bootstrapApplication } from '@angular/platform-browser';
import { provideBrowserGlobalErrorListeners } from '@angular/core';
import { AppComponent } from './app/app.component';
import { loadConfig, RUNTIME_CONFIG } from './app/core/config';

// The runtime config (API base, Firebase project, emulators) comes from the server
// that serves the app, so one build runs against any deployment.
loadConfig().then((config) =>
  bootstrapApplication(AppComponent, {
    providers: [provideBrowserGlobalErrorListeners(), { provide: RUNTIME_CONFIG, useValue: config }],
  }),
);
