/** Forecasting new data with a trained run. */
export { predictWithRun, type PredictOptions } from './predict.js';
export { checkForecastsTarget, writeForecasts, forecastsCsv, type ForecastColumns } from './output.js';
