/** HTML reports over runs and experiments. */
export { writeReport, renderReport, collectReport, type ReportInput, type ReportRun, type RenderedReport } from './report.js';
export { renderSvg } from './charts.js';
