import { describe, expect, it } from 'vitest';
import * as metrics from '../../../ts/metrics/index.js';

describe('ts/metrics exports the night-level task', () => {
  it('names every public function of the night modules', () => {
    const names = [
      'normalQuantile',
      'choleskySemidefinite',
      'fitStepCorrelation',
      'correlatedNormalPaths',
      'fitResidualCopula',
      'fitQuantileCopula',
      'nightProbFromPoint',
      'nightProbFromQuantiles',
      'nightProbFromMarginals',
      'fitPlatt',
      'fitIsotonic',
      'fitCalibration',
      'calibrate',
      'bootstrapDiscrimination',
      'reliabilityBins',
      'brierDecomposition',
      'expectedCalibrationError',
      'operatingPoint',
      'chooseThreshold',
      'nightSummary',
      'formatDiscrimination',
      'fitPatientRates',
      'patientRateScores',
      'bedtimeFeatures',
      'fitLogistic',
      'predictLogistic',
      'thresholdCrossing',
      'nightTrajectoryErrors',
    ];
    const m = metrics as unknown as Record<string, unknown>;
    expect(names.filter((n) => typeof m[n] !== 'function')).toEqual([]);
    expect(metrics.BEDTIME_FEATURES.length).toBe(8);
  });
});
