/** Forecasting new data with a trained run. */
export { predictWithRun, type PredictOptions } from './predict.js';
export { writeForecasts, forecastsCsv, type ForecastColumns } from './output.js';
