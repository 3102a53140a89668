/** Metrics: pure functions over forecasts and truths (point, probabilistic, clinical, hypoglycaemia, bedtime-anchored nights), baselines and comparison statistics. */
export { EvalError, type Numeric } from './errors.js';
export { evaluatePoint, groupPointMetrics, naiveScale, median, finiteMean, type PointEvaluation, type PointSummary, type PointOptions } from './point.js';
export { prepareQuantiles, checkLevels, knots, quantileFromKnots, cdfFromKnots, type QuantileForecast, type PreparedQuantiles } from './quantiles.js';
export { evaluateQuantiles, gaussianCalibration, CENTRAL_INTERVALS, GLUCOBENCH_CAL_LEVELS, type ProbabilisticEvaluation, type IntervalResult } from './probabilistic.js';
export {
  clarkeZone, parkesZone, clarkeGrid, parkesGrid, timeInRanges, rangeIndex, bgRiskSigned, lbgiHbgi, mccFromCounts, detection, evaluateClinical,
  isHypo, isHyper, ZONES, RANGE_NAMES, PARKES_T1, type Zone, type GridResult, type DetectionResult, type ClinicalEvaluation,
} from './clinical.js';
export { probBelowFromQuantiles, probBelowManyFromQuantiles, probBelowFromPoint, brierScore, auroc, auprc, rocCurve, nightLevel, HYPO_THRESHOLDS, type NightResult } from './hypo.js';
export { lastValueForecast, seasonalNaiveForecast, fitLinReg, linRegForecast, BASELINES, type BaselineName, type LinRegModel } from './baselines.js';
export {
  pairedBootstrapCI, wilcoxonSignedRank, friedmanTest, nemenyiCD, criticalDifference, rankAverage, normalCdf, normalQuantile, chiSquareSurvival,
  type BootstrapCI, type WilcoxonResult, type FriedmanResult, type CriticalDifference,
} from './stats.js';
export { comparePaired, compareAcrossDatasets, type PairedComparison, type ScoreRow, type AcrossDatasets } from './compare.js';
export { evaluateForecasts, medianFromQuantiles, type ForecastSet, type ForecasterMetrics, type HypoMetrics, type WindowColumns } from './metrics.js';
export { choleskySemidefinite, fitStepCorrelation, correlatedNormalPaths, type StepCorrelation, type ShrinkageTarget } from './step-copula.js';
export {
  fitResidualCopula, fitQuantileCopula, nightProbFromPoint, nightProbFromQuantiles, nightProbFromMarginals,
  type ResidualCopula, type StepRange, type NightProbabilityOptions, type NightProbabilities,
} from './night-probability.js';
export { fitPlatt, fitIsotonic, fitCalibration, calibrate, type PlattMap, type IsotonicMap, type CalibrationMap, type CalibrationMethod } from './calibration.js';
export {
  bootstrapDiscrimination, reliabilityBins, brierDecomposition, expectedCalibrationError, operatingPoint, chooseThreshold, nightSummary, formatDiscrimination,
  type Interval, type DiscriminationCI, type ReliabilityBin, type BrierDecomposition, type ThresholdRule, type OperatingPoint,
  type DiscriminationSummary, type NightSummary, type NightSummaryOptions,
} from './night-metrics.js';
export {
  fitPatientRates, patientRateScores, bedtimeFeatures, fitLogistic, predictLogistic, thresholdCrossing, BEDTIME_FEATURES,
  type PatientRateModel, type BedtimeInput, type BedtimeFeature, type LogisticModel,
} from './night-baselines.js';
export { nightTrajectoryErrors, type NightTrajectoryErrors, type HourError, type ErrorSummary, type NightMinimum } from './night-trajectory.js';
