/** The playlist to play: an ended stream's API playlist becomes its whole recording. */
export function playbackUrl(playlist: string | null | undefined, status: string | undefined): string | null {
  if (!playlist) return null;
  if (status === 'ended' && playlist.endsWith('/playlist.m3u8')) {
    return playlist.slice(0, -'playlist.m3u8'.length) + 'recording.m3u8';
  }
  return playlist;
}
