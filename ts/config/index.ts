/** tsfm configuration: schema, loading/composition, errors and generated documentation. */
export * from './schema.js';
export {
  loadConfig,
  validateConfig,
  parseConfigYaml,
  parseOverride,
  renderConfigYaml,
  configHash,
  resolveConfigRef,
  packageRoot,
  configsDir,
  defaultConfigPath,
  ConfigError,
} from './load.js';
export type { LoadOptions, LoadedConfig, DeepPartial } from './load.js';
export { configDocs, configJsonSchema, configOptions } from './docs.js';
export type { OptionDoc } from './docs.js';
