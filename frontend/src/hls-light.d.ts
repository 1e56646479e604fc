// hls.js ships the light build (no subtitles, DRM, alt audio: a smaller bundle) without its
// own type entry; its API is the full build's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
