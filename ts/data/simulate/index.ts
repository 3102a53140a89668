export {
  simulateCohort,
  simulatePatients,
  simulatePatientInto,
  simulationVersion,
  SIMULATED_CHANNELS,
  GENERATOR_ID,
  type SimulateOptions,
  type SimulatedSeries,
} from './cohort.js';
export { cohortStatistics, type CohortStatistics } from './statistics.js';
export { simulateOptionsFromConfig } from './config.js';
