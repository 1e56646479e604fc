export type PlayerStatus = 'idle' | 'connecting' | 'playing' | 'buffering' | 'reconnecting' | 'ended' | 'error';

export const PLAYER_HINTS: Record<PlayerStatus, string> = {
  idle: 'No video yet: the stream has not been published.',
  connecting: 'Loading the stream…',
  playing: 'Boxes are drawn for the frame on screen.',
  buffering: 'Waiting for the next segment…',
  reconnecting: 'The stream is not reachable right now; retrying.',
  ended: 'The recording ended.',
  error: 'This video cannot be played here.',
};

/** What the player says under the video: its own status, told from the stream's when there
 *  is no video (an ended stream without a recording is not "not published yet"). */
export function playerHint(status: PlayerStatus, stream: string | null, hasPlaylist: boolean, noRecording: boolean): string {
  if (noRecording || (stream === 'ended' && !hasPlaylist)) return 'Stream ended — no recording kept.';
  if (status === 'idle' && stream === 'live') return 'The stream is live; waiting for its first segment…';
  return PLAYER_HINTS[status];
}

