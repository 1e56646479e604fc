import { ListenerState } from './streams.service';
import { StreamDoc } from './models';

export interface HeaderState {
  label: string;
  /** the chip's class: connected | live | offline | plain */
  tone: string;
  /** what the label means, in full (tooltip and accessible description) */
  meaning: string;
}

/** The header's state chip. "Connected" is about this page (its live Firestore listener);
 *  "Live" is about the stream on screen (OBS is publishing to it). */
export function headerState(listener: ListenerState, selected: StreamDoc | null, error = ''): HeaderState {
  if (listener === 'offline') {
    return {
      label: 'Offline',
      tone: 'offline',
      meaning: `Not receiving updates${error ? `: ${error}` : ''}. What you see may be out of date.`,
    };
  }
  if (listener === 'connecting') return { label: 'Connecting…', tone: 'plain', meaning: 'Connecting to the results database.' };
  if (selected?.status === 'live') {
    return { label: 'Live', tone: 'live', meaning: `${selected.name || selected.id} is publishing now; results arrive as it is analysed.` };
  }
  return { label: 'Connected', tone: 'connected', meaning: 'Receiving updates as they happen.' };
}
