/**
 * chart.js with only what the share-of-voice chart draws (a stacked area: line controller,
 * line and point elements, linear scales, the filler, legend and tooltip plugins), so the rest of
 * the library is tree-shaken away. Components import this module dynamically: chart.js
 * lands in a chunk of its own, loaded by the pages that draw a chart, never at start.
 */
import { Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip);

export { Chart };
