import { Segment, SignalState, StreamDoc, StreamSignals } from '../core/models';
import { streamSignals } from '../core/sources';
import { signalMessages } from '../player/transcript';

/** Where a warning is shown: next to the panel whose content it affects ('player': under
 *  the player, where the overlay's layers are; 'transcript': under the transcript strip). */
export type WarningPanel = 'player' | 'transcript' | 'brands' | 'results' | 'processing';

export interface StreamWarning {
  id: string;
  severity: 'info' | 'warn' | 'error';
  /** the panels it affects; shown beside the first */
  panels: WarningPanel[];
  title: string;
  /** what it means, in this app's words (shown) */
  explain?: string;
  /** the pipeline's own words (raw error text), behind a "Details" disclosure */
  detail?: string;
  /** what to do about it */
  action: string;
  /** a page of this app that fixes it */
  link?: { label: string; route: string };
}

/** Results behind live by more than this (s) are worth a warning. */
export const LAG_WARN_S = 10;
/** The backend label of a deployment without models (functions/analyze.py BACKEND_LABELS). */
export const NO_MODELS_BACKEND = 'measures';

const BRANDS_LINK = { label: 'Open Brands', route: '/brands' };

/** One message of a segment's `warnings` (gpu_service/app.py, gpu_service/models.py,
 *  functions/doc_size.py), read as what it means and what to do. */
export function analysisWarning(message: string): StreamWarning {
  const clip = /^CLIP unavailable[^:]*:\s*(.*)$/s.exec(message);
  if (clip && clip[1].trim() === 'still loading') {
    return {
      id: 'clip-warming',
      severity: 'info',
      panels: ['brands', 'results'],
      title: 'Brand recognition is warming up',
      explain: 'The CLIP model is still loading on the model service; scene labels and CLIP brand labels start when it is ready.',
      action: 'Nothing to do: it usually takes under a minute. Logo matching already runs.',
    };
  }
  if (clip) {
    return {
      id: 'clip-unavailable',
      severity: 'error',
      panels: ['brands', 'results'],
      title: 'Brand recognition (CLIP) is unavailable',
      detail: clip[1],
      action: 'Scene labels and CLIP brand labels are off; logo matching still runs. Check the model service (gpu_service: /readyz and its log).',
    };
  }
  const detector = /^no object detector:\s*(.*)$/s.exec(message);
  if (detector) {
    return {
      id: 'no-detector',
      severity: 'error',
      panels: ['results', 'brands'],
      title: 'No object detector',
      detail: detector[1],
      action: 'Objects are not detected. Check the model service (gpu_service: /readyz and its log) and restart it once fixed.',
    };
  }
  const logo = /^logo reference (.+?) is not used:\s*(.*)$/s.exec(message);
  if (logo) {
    return {
      id: `logo:${logo[1]}`,
      severity: 'warn',
      panels: ['brands'],
      title: `Logo reference “${logo[1]}” is not used`,
      detail: logo[2],
      action: 'Replace it with a clearer image of the logo (flat, high contrast, the logo filling the picture).',
      link: BRANDS_LINK,
    };
  }
  if (/labels left out/.test(message)) {
    return {
      id: 'labels-left-out',
      severity: 'info',
      panels: ['results'],
      title: 'Some low-scoring labels were left out',
      detail: message,
      action: 'Nothing to do: only the weakest labels were dropped so the segment fits one document.',
    };
  }
  return {
    id: `other:${message}`,
    severity: 'warn',
    panels: ['results'],
    title: 'The analysis reported a problem',
    detail: message,
    action: 'Results may be incomplete; see the analyze function’s log.',
  };
}

/** A warning as its card shows it: always the title, what it means and what to do; the
 *  pipeline's raw text folded under "Details" (one line of it as the disclosure's hint). */
export interface WarningView {
  title: string;
  explain: string;
  action: string;
  /** the raw text, '' when there is none */
  details: string;
  /** its first line, clipped, for the folded disclosure */
  detailsHint: string;
}

const HINT_CHARS = 80;

export function warningView(w: StreamWarning): WarningView {
  const details = (w.detail ?? '').trim();
  const first = details.split('\n')[0];
  return {
    title: w.title,
    explain: w.explain ?? '',
    action: w.action,
    details,
    detailsHint: first.length > HINT_CHARS ? `${first.slice(0, HINT_CHARS - 1)}…` : first,
  };
}

const SIGNAL_NAMES = { text: 'On-screen text', speech: 'Speech' } as const;
const MODEL_ACTION = 'Check the model service (gpu_service: /readyz and its log); once fixed, re-analyse those seconds with a backfill (Processing).';

/** What the newest segment says about the costly brand signals (`signals.text`,
 *  `signals.speech`): shed under load, unavailable or failed, or (speech) no audio, each
 *  beside the panel it affects, with the segment's own warning as the detail. Returns the
 *  warnings and the segment messages they explain (not repeated as generic ones). */
export function signalWarnings(
  stream: StreamDoc,
  latest: Segment | null,
  on: Required<StreamSignals> = streamSignals(stream),
): { warnings: StreamWarning[]; explained: Set<string> } {
  const warnings: StreamWarning[] = [];
  const explained = new Set<string>();
  if (!latest) return { warnings, explained };
  for (const kind of ['text', 'speech'] as const) {
    const state = latest.signals?.[kind] as SignalState | undefined;
    if (!state || state === 'done') continue;
    const messages = signalMessages(latest, kind);
    messages.forEach((m) => explained.add(m));
    // Switched off (for the stream, or then), or nothing said: not a problem to warn about.
    if (state === 'off' || state === 'silence' || !on[kind]) continue;
    const detail = messages.join(' · ') || undefined;
    const name = SIGNAL_NAMES[kind];
    const panels: WarningPanel[] = kind === 'speech' ? ['transcript', 'brands'] : ['player', 'brands'];
    const what = kind === 'speech' ? 'spoken mentions' : 'brand names on screen';
    if (state === 'shed') {
      warnings.push({
        id: `${kind}-shed`,
        severity: 'warn',
        panels,
        title: `${name} skipped to keep up with live`,
        detail,
        action:
          `Realtime mode drops ${kind === 'speech' ? 'speech' : 'text reading'} first when analysis falls behind; logos still run, ` +
          `so ${what} are missing for those seconds. Backfill them (Processing), switch to Batch, or give the model service more CPU or a GPU.`,
      });
    } else if (state === 'no_audio') {
      warnings.push({
        id: 'speech-no-audio',
        severity: 'info',
        panels: ['transcript'],
        title: 'This stream has no audio',
        detail,
        action: 'Spoken mentions need sound: in OBS, check Settings › Audio and the audio mixer, then restart streaming.',
      });
    } else {
      warnings.push({
        id: `${kind}-${state}`,
        severity: 'error',
        panels,
        title: `${name} ${kind === 'speech' ? 'recognition' : 'reading (OCR)'} ${state === 'failed' ? 'failed' : 'is unavailable'}`,
        detail,
        action: `No ${what} are counted meanwhile; logos still are. ${MODEL_ACTION}`,
      });
    }
  }
  return { warnings, explained };
}

export interface WarningInput {
  stream: StreamDoc | null;
  /** the newest analysed segment */
  latest: Segment | null;
  /** the newest segments (any status) */
  segments: readonly Segment[];
  /** the stream's switches with the deployment's defaults (default: as its document says) */
  signals?: Required<StreamSignals>;
}

/** A warning about an ended stream in the past tense where "wait" no longer helps: CLIP
 *  that was loading then is not loading now, but the segments it missed stay without its
 *  labels until re-analysed. */
function afterTheStream(warning: StreamWarning): StreamWarning {
  if (warning.id !== 'clip-warming') return warning;
  return {
    ...warning,
    title: 'Brand recognition was warming up',
    explain: 'The CLIP model was still loading when these segments were analysed: they have no scene labels or CLIP brand labels (logo matching, text and speech ran).',
    action: 'To add them, re-analyse the stream with a backfill (Processing) now that the model is ready.',
  };
}

/** Everything the dashboard should say about a stream's state, each with what to do. */
export function streamWarnings({ stream, latest, segments, signals: switches }: WarningInput): StreamWarning[] {
  const out: StreamWarning[] = [];
  if (!stream) return out;

  const keyframes = stream.warnings?.['keyframe_interval'];
  if (keyframes) {
    out.push({
      id: 'keyframes',
      severity: 'warn',
      panels: ['player'],
      title: 'Keyframes are too far apart',
      detail: keyframes,
      action: 'In OBS: Settings › Output › Keyframe Interval 2 s, then stop and start streaming.',
    });
  }

  if (latest?.backend === NO_MODELS_BACKEND) {
    out.push({
      id: 'no-models',
      severity: 'info',
      panels: ['brands', 'results'],
      title: 'Brand and object analysis is off',
      explain: 'This deployment runs without a model backend: only brightness, colours and motion are measured.',
      action: 'Set MA_ANALYZER_BACKEND to local (the model service) or cloud-vision to find brands.',
    });
  }

  const signals = signalWarnings(stream, latest, switches);
  out.push(...signals.warnings);
  const messages = latest ? latest.warnings ?? [] : stream.analysis_warnings?.messages ?? [];
  const seen = new Set<string>();
  for (const message of messages) {
    if (signals.explained.has(message)) continue;
    const warning = stream.status === 'ended' ? afterTheStream(analysisWarning(message)) : analysisWarning(message);
    if (!seen.has(warning.id)) out.push(warning);
    seen.add(warning.id);
  }

  const lag = stream.stats?.lag_s;
  if (stream.status === 'live' && typeof lag === 'number' && lag > LAG_WARN_S) {
    out.push({
      id: 'lag',
      severity: 'warn',
      panels: ['player', 'processing'],
      title: `Results are ${Math.round(lag)} s behind live`,
      action:
        stream.mode === 'batch'
          ? 'Batch mode never skips a segment: switch to Realtime (Processing) to stay close to live.'
          : 'The model service cannot keep up: give it a GPU or more instances. Realtime mode skips segments far behind.',
    });
  }

  const failed = stream.stats?.failed ?? 0;
  if (failed > 0) {
    const newest = [...segments].reverse().find((s) => s.status === 'failed');
    out.push({
      id: 'failed',
      severity: 'error',
      // Under the player, right above the exposure: those seconds are missing from it.
      panels: ['player', 'processing', 'results'],
      title: `${failed} segment${failed === 1 ? '' : 's'} failed`,
      detail: newest?.error ? `Newest (#${newest.seq}): ${newest.error}` : undefined,
      action: 'Those seconds have no results. Once the cause is fixed, re-analyse them with a backfill (Processing).',
    });
  }

  const skipped = stream.stats?.skipped ?? 0;
  if (skipped > 0) {
    out.push({
      id: 'skipped',
      severity: 'info',
      panels: ['player', 'processing'],
      title: `${skipped} segment${skipped === 1 ? '' : 's'} skipped to stay live`,
      action: 'Realtime mode skips segments far behind live. Backfill their time range (Processing) to analyse them.',
    });
  }

  const dropped = stream.ingest?.dropped ?? 0;
  if (dropped > 0) {
    out.push({
      id: 'dropped',
      severity: 'warn',
      panels: ['player'],
      title: `${dropped} segment${dropped === 1 ? '' : 's'} never reached storage`,
      action: 'The ingest could not upload them (storage unreachable); that video is lost. Check the ingest’s connection to the bucket.',
    });
  }

  const order = { error: 0, warn: 1, info: 2 };
  return out.sort((a, b) => order[a.severity] - order[b.severity]);
}

/** Why the brand panel is empty, in words: never a bare "no brand seen yet". */
export function emptyBrandsReason(
  stream: StreamDoc | null,
  latest: Segment | null,
  warnings: readonly StreamWarning[],
  librarySize: number | null,
  analysedSegments: number,
): string {
  if (warnings.some((w) => w.id === 'no-models')) {
    return 'Brand analysis is off in this deployment (no model backend), so no brand can be found.';
  }
  if (librarySize === 0) return 'No brands to look for yet: add the brands to monitor, with a logo or two each.';
  const broken = warnings.find((w) => w.severity === 'error' && w.panels.includes('brands'));
  if (!latest) {
    if (stream?.status === 'live') return 'Waiting for the first analysed segment…';
    if (stream?.status === 'ended') return 'No segment of this stream was analysed, so no brand was found.';
    return 'Nothing analysed yet: start streaming from OBS and brands appear as they are found.';
  }
  if (broken) return `No brand found so far, and brand recognition is impaired: ${broken.title.toLowerCase()} (see below).`;
  if (warnings.some((w) => w.id === 'clip-warming')) {
    return stream?.status === 'ended'
      ? 'No logo was found; brand recognition was still warming up while it was analysed (see below).'
      : 'No logo found so far; brand recognition is still warming up (see below).';
  }
  const unusable = warnings.filter((w) => w.id.startsWith('logo:')).length;
  const none = librarySize === null ? 'No monitored brand' : librarySize === 1 ? 'The monitored brand has not' : `None of the ${librarySize} monitored brands`;
  const segments = `${analysedSegments} segment${analysedSegments === 1 ? '' : 's'} analysed`;
  return (
    `${none}${librarySize === 1 ? '' : ' has'} been on screen so far (${segments}).` +
    (unusable ? ` ${unusable} logo reference${unusable === 1 ? ' is' : 's are'} unusable (see below).` : '')
  );
}
