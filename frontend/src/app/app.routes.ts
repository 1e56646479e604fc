import { Routes } from '@angular/router';
import { accessGuard } from './core/access.guard';

/** Hash routes (`#/…`: no server needs to know them). Every page is its own lazily loaded
 *  chunk; the shell (app.component.ts) is all that loads first. */
export const routes: Routes = [
  {
    path: 'sign-in',
    title: 'Sign in · Media Analyzer',
    loadComponent: () => import('./auth/sign-in.component').then((m) => m.SignInComponent),
  },
  {
    path: '',
    canActivateChild: [accessGuard],
    children: [
      {
        path: '',
        pathMatch: 'full',
        title: 'Streams · Media Analyzer',
        loadComponent: () => import('./streams/streams-overview.component').then((m) => m.StreamsOverviewComponent),
      },
      {
        path: 'streams/:id',
        title: 'Stream · Media Analyzer',
        loadComponent: () => import('./streams/stream-view.component').then((m) => m.StreamViewComponent),
      },
      {
        path: 'streams/:id/report',
        title: 'Report · Media Analyzer',
        loadComponent: () => import('./report/report.component').then((m) => m.ReportComponent),
      },
      {
        path: 'brands',
        title: 'Brands · Media Analyzer',
        loadComponent: () => import('./brands/brands-page.component').then((m) => m.BrandsPageComponent),
      },
      {
        path: 'history',
        title: 'History · Media Analyzer',
        loadComponent: () => import('./history/history-page.component').then((m) => m.HistoryPageComponent),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
