import { Component, OnDestroy, OnInit, computed, inject, signal, viewChild } from '@angular/core';
import { ApiService } from './core/api.service';
import { FirebaseService } from './core/firebase.service';
import { StreamDoc } from './core/models';
import { OverlayOptions } from './player/overlay';
import { PlayerComponent } from './player/player.component';
import { PanelsComponent } from './results/panels.component';
import { ResultsStore } from './results/results-store';
import { ControlComponent } from './streams/control.component';
import { StreamListComponent } from './streams/stream-list.component';

@Component({
  selector: 'ma-root',
  imports: [StreamListComponent, PlayerComponent, PanelsComponent, ControlComponent],
  // One results store for the selected stream, shared by the player, panels and control.
  providers: [ResultsStore],
  template: `
    <header>
      <h1>Media Analyzer</h1>
      <span class="muted">{{ connection() }}</span>
    </header>
    <main>
      <aside class="left">
        <ma-stream-list [streams]="streams()" [selected]="selectedId()" (select)="select($event)" />
      </aside>
      <section class="center">
        @if (selected(); as s) {
          <h2>{{ s.name || s.id }} <small class="muted">{{ s.status }}</small></h2>
        } @else {
          <h2 class="muted">Select or create a stream</h2>
        }
        <ma-player [playlist]="selected()?.playlist ?? null" [options]="overlay()" />
        <div class="overlay-controls">
          <label><input #objectsBox type="checkbox" [checked]="showObjects()" (change)="showObjects.set(objectsBox.checked)"
                        data-testid="toggle-objects" /> objects</label>
          <label><input #logosBox type="checkbox" [checked]="showLogos()" (change)="showLogos.set(logosBox.checked)"
                        data-testid="toggle-logos" /> logos</label>
          <label>min confidence
            <input #minScoreRange type="range" min="0" max="1" step="0.05" [value]="minScore()" (input)="minScore.set(+minScoreRange.value)"
                   data-testid="min-score" /> {{ minScore() }}</label>
        </div>
        @if (selected()) { <ma-control /> }
      </section>
      <aside class="right">
        @if (selected()) { <ma-panels (seek)="seek($event)" /> }
      </aside>
    </main>
  `,
  styles: `
    :host { display: block; }
    header { display: flex; align-items: baseline; gap: 12px; padding: 8px 16px; border-bottom: 1px solid #333; }
    h1 { font-size: 18px; margin: 0; }
    main { display: grid; grid-template-columns: 260px 1fr 340px; gap: 16px; padding: 12px 16px; }
    .muted { color: #999; font-size: 12px; }
    .overlay-controls { display: flex; gap: 16px; align-items: center; font-size: 13px; margin: 6px 0 12px; }
    @media (max-width: 1100px) { main { grid-template-columns: 1fr; } }
  `,
})
export class AppComponent implements OnInit, OnDestroy {
  readonly streams = signal<StreamDoc[]>([]);
  readonly selectedId = signal<string | null>(null);
  readonly connection = signal('connecting…');
  readonly showObjects = signal(true);
  readonly showLogos = signal(true);
  readonly minScore = signal(0.3);
  readonly overlay = computed<OverlayOptions>(() => ({
    objects: this.showObjects(),
    logos: this.showLogos(),
    minScore: this.minScore(),
  }));
  readonly selected = computed(() => this.streams().find((s) => s.id === this.selectedId()) ?? null);

  private readonly store = inject(ResultsStore);
  private readonly firebase = inject(FirebaseService);
  private readonly api = inject(ApiService);
  private readonly player = viewChild(PlayerComponent);
  private stopStreams?: () => void;
  private stopStream?: () => void;

  async ngOnInit(): Promise<void> {
    try {
      this.stopStreams = await this.firebase.watchStreams(
        (streams) => {
          this.streams.set(streams.sort((a, b) => a.id.localeCompare(b.id)));
          this.connection.set('live');
        },
        (error) => this.connection.set(`listener error: ${error.message}`),
      );
      this.player()?.setAuthorization(await this.api.authorization());
      const wanted = new URLSearchParams(location.search).get('stream');
      if (wanted) await this.select(wanted);
    } catch (e) {
      this.connection.set(`offline: ${e instanceof Error ? e.message : e}`);
    }
  }

  async select(id: string): Promise<void> {
    if (id === this.selectedId()) return;
    this.stopStream?.();
    this.store.clear();
    this.selectedId.set(id);
    this.player()?.setAuthorization(await this.api.authorization());
    this.stopStream = await this.firebase.watchStream(id, this.store);
  }

  seek(mediaTime: number): void {
    this.player()?.seekToMedia(mediaTime);
  }

  ngOnDestroy(): void {
    this.stopStreams?.();
    this.stopStream?.();
  }
}
