/** Forecasting new data with a trained run. */
export { predictWithRun, forecastDataset, type PredictOptions } from './predict.js';
export {
  checkForecastsTarget,
  writeForecasts,
  forecastsCsv,
  forecastsJson,
  forecastsTable,
  type ForecastColumns,
  type ForecastMeta,
} from './output.js';
export { predictionDataset } from './source.js';
