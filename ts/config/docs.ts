/** Documentation and JSON Schema generated from the zod config schema. */
import { describeNode, discriminatorOf, schemaRoot, variantsOf, type JsonNode } from './introspect.js';

export interface OptionDoc {
  /** Dotted path, e.g. `training.early_stopping.patience`. */
  path: string;
  /** Top-level section (`model`, `data`, ...). */
  section: string;
  /** For options of one variant of a union: e.g. `protocol: temporal`. */
  variant?: string;
  type: string;
  default?: unknown;
  description: string;
  node: JsonNode;
}

/** Every leaf option of the config (options of union variants once per variant). */
export function configOptions(): OptionDoc[] {
  const out: OptionDoc[] = [];
  const walk = (node: JsonNode, path: string[], variant?: string) => {
    const variants = variantsOf(node);
    const disc = variants ? discriminatorOf(variants) : undefined;
    if (variants && disc) {
      const discPath = [...path, disc.key];
      out.push({
        path: discPath.join('.'),
        section: path[0]!,
        variant,
        type: disc.values.map((v) => `\`${String(v)}\``).join(' \\| '),
        default: (node.default as Record<string, unknown> | undefined)?.[disc.key],
        description: node.description ?? '',
        node,
      });
      for (const v of variants) {
        const label = `${disc.key}: ${String(v.properties![disc.key]!.const)}`;
        for (const [k, child] of Object.entries(v.properties ?? {})) {
          if (k !== disc.key) walk(child, [...path, k], label);
        }
      }
      return;
    }
    if (node.properties && node.additionalProperties === false && path.length > 0 && node.type === 'object' && !isLeafObject(node)) {
      for (const [k, child] of Object.entries(node.properties)) walk(child, [...path, k], variant);
      return;
    }
    if (path.length === 0) {
      for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, [k]);
      return;
    }
    out.push({
      path: path.join('.'),
      section: path[0]!,
      variant,
      type: typeCell(node),
      default: node.default,
      description: node.description ?? '',
      node,
    });
  };
  walk(schemaRoot(), []);
  return out;
}

function isLeafObject(node: JsonNode): boolean {
  return Object.keys(node.properties ?? {}).length === 0;
}

function typeCell(node: JsonNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  return describeNode(node, false).replace(/\|/g, '\\|');
}

function defaultCell(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return `\`${v}\``;
  if (Array.isArray(v)) return `\`[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]\``;
  return `\`${JSON.stringify(v)}\``;
}

const cell = (s: string) => s.replace(/\n/g, ' ').replace(/\|/g, '\\|');

function table(rows: OptionDoc[]): string[] {
  return [
    '| Option | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.path}\` | ${r.type} | ${defaultCell(r.default)} | ${cell(r.description)} |`),
  ];
}

/** Markdown reference of every option: path, type, default and description. */
export function configDocs(): string {
  const root = schemaRoot();
  const options = configOptions();
  const lines: string[] = [
    '# tsfm configuration reference',
    '',
    '<!-- Generated from ts/config/schema.ts by configDocs(); do not edit by hand. -->',
    '',
    'A run is configured by one YAML file (default: `configs/default.yaml`). A file may start with',
    '`defaults: [other, ...]`: those files (paths relative to the file, `.yaml` optional, or names under',
    '`configs/` such as `models/ttm`) are merged in order, then the file itself on top. Later values win;',
    'mappings merge key by key; lists replace; `null` removes a value. Command-line flags come next, then',
    '`--set path=value` overrides (the value is read as YAML: `--set training.lr=3e-4`,',
    '`--set model.quantiles=[0.1,0.5,0.9]`). Unknown keys are errors.',
    '',
  ];
  for (const [section, node] of Object.entries(root.properties ?? {})) {
    lines.push(`## \`${section}\``, '');
    if (node.description) lines.push(node.description, '');
    const rows = options.filter((o) => o.section === section);
    lines.push(...table(rows.filter((r) => r.variant === undefined)), '');
    const variants = [...new Set(rows.map((r) => r.variant).filter((v): v is string => v !== undefined))];
    for (const v of variants) {
      const vr = rows.filter((r) => r.variant === v);
      const parent = vr[0]!.path.split('.').slice(0, -1).join('.');
      lines.push(`### \`${parent}\` with \`${v}\``, '');
      const protocolDesc = variantDescription(parent, v);
      if (protocolDesc) lines.push(protocolDesc, '');
      lines.push(...table(vr), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function variantDescription(parentPath: string, label: string): string | undefined {
  let node: JsonNode | undefined = schemaRoot();
  for (const seg of parentPath.split('.')) node = node?.properties?.[seg];
  const [key, value] = label.split(': ');
  const variant = node && variantsOf(node)?.find((v) => v.properties?.[key!]?.const === value);
  return variant?.properties?.[key!]?.description;
}

/**
 * JSON Schema of a config file (input side), for editors: also admits the top-level `defaults:` list.
 */
export function configJsonSchema(): Record<string, unknown> {
  const s = structuredClone(schemaRoot());
  s.properties = {
    defaults: {
      description: 'Config files merged, in order, under this one (paths relative to this file or names under configs/; `.yaml` optional).',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
    ...s.properties,
  };
  s.title = 'tsfm configuration';
  return s;
}
