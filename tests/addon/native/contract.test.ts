/**
 * The addon's contract: what native/binding exports is exactly what ts/native/types.ts declares on NativeAddon —
 * the same classes (with the same instance and static methods) and the same functions. The declarations are
 * read with the TypeScript compiler, so a native export renamed, removed or added without its declaration
 * (or the reverse) fails here rather than at some later call.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../ts/native/loader.js';

interface ClassContract {
  kind: 'class';
  instance: string[];
  statics: string[];
}
type Contract = Record<string, ClassContract | { kind: 'function' }>;

const typesFile = path.resolve(__dirname, '../../../ts/native/types.ts');

/** NativeAddon as ts/native/types.ts declares it. A class member is a constructor type (`new (...) => X`) or an
 *  object type with a `prototype: X` (a class built only by its static methods, as NativePredictor). */
function declaredContract(): Contract {
  const program = ts.createProgram([typesFile], { strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(typesFile)!;
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'NativeAddon');
  if (!decl) throw new Error('ts/native/types.ts declares no NativeAddon');
  const names = (t: ts.Type) =>
    checker
      .getPropertiesOfType(t)
      .map((p) => p.name)
      .sort();
  const out: Contract = {};
  for (const prop of checker.getPropertiesOfType(checker.getTypeAtLocation(decl.name))) {
    const t = checker.getTypeOfSymbolAtLocation(prop, decl);
    const ctor = t.getConstructSignatures()[0];
    const proto = t.getProperties().find((p) => p.name === 'prototype'); // declared, not Function's
    if (ctor || proto) {
      const instance = ctor ? ctor.getReturnType() : checker.getTypeOfSymbolAtLocation(proto!, decl);
      out[prop.name] = { kind: 'class', instance: names(instance), statics: names(t).filter((n) => n !== 'prototype') };
    } else if (t.getCallSignatures().length) {
      out[prop.name] = { kind: 'function' };
    } else {
      throw new Error(`NativeAddon.${prop.name}: neither a class nor a function`);
    }
  }
  return out;
}

/** One line per way `addon` differs from `contract` (empty: they agree). */
function contractDiff(addon: Record<string, unknown>, contract: Contract): string[] {
  const problems: string[] = [];
  const exported = Object.keys(addon);
  for (const name of exported) if (!(name in contract)) problems.push(`${name}: exported but not declared on NativeAddon`);
  for (const [name, want] of Object.entries(contract)) {
    const v = addon[name];
    if (typeof v !== 'function') {
      problems.push(`${name}: declared but ${v === undefined ? 'not exported' : `exported as ${typeof v}`}`);
      continue;
    }
    if (want.kind !== 'class') continue;
    const proto = (v as { prototype?: object }).prototype ?? {};
    const instance = Object.getOwnPropertyNames(proto)
      .filter((n) => n !== 'constructor')
      .sort();
    const statics = Object.getOwnPropertyNames(v)
      .filter((n) => !['length', 'name', 'prototype', 'arguments', 'caller'].includes(n))
      .sort();
    const differ = (what: string, got: string[], declared: string[]) => {
      for (const m of declared) if (!got.includes(m)) problems.push(`${name}: declared ${what} ${m} missing`);
      for (const m of got) if (!declared.includes(m)) problems.push(`${name}: ${what} ${m} not declared`);
    };
    differ('method', instance, want.instance);
    differ('static', statics, want.statics);
  }
  return problems;
}

describe('addon contract', () => {
  const native = loadNative() as unknown as Record<string, unknown>;
  const contract = declaredContract();

  it('declares the classes and functions it should, with their methods', () => {
    expect(Object.keys(contract).sort()).toEqual([
      'NativeDataset',
      'NativeModel',
      'NativePredictor',
      'NativeTrainer',
      'benchAllReduce',
      'benchCopy',
      'benchGather',
      'benchMatmul',
      'checkFusedKernels',
      'checkOptimizerStep',
      'cudaPeakMemory',
      'gatherBatch',
      'hfWeights',
      'listModelFamilies',
      'memcpyBandwidth',
      'resetCudaPeakMemory',
      'runtimeInfo',
      'samplerOrder',
      'setFusedKernels',
      'setThreads',
      'windowCount',
    ]);
    expect(contract.NativeDataset).toEqual({ kind: 'class', instance: ['dispose', 'info'], statics: [] });
    expect(contract.NativeModel).toEqual({
      kind: 'class',
      instance: ['dispose', 'forward', 'info', 'stateDict', 'writeReferenceDump'],
      statics: [],
    });
    expect(contract.NativeTrainer).toEqual({
      kind: 'class',
      statics: [],
      instance: ['dispose', 'evaluate', 'fit', 'loadCheckpoint', 'loadWeights', 'predict', 'saveCheckpoint', 'stop', 'targets'],
    });
    expect(contract.NativePredictor).toEqual({ kind: 'class', instance: ['dispose', 'info', 'predict'], statics: ['open'] });
    expect(contract.runtimeInfo).toEqual({ kind: 'function' });
  });

  it('the addon exports exactly what ts/native declares', () => {
    expect(contractDiff(native, contract)).toEqual([]);
  });

  it('a renamed, missing or undeclared export, or a missing method, fails the check', () => {
    const { benchCopy, ...withoutBenchCopy } = native;
    expect(contractDiff({ ...withoutBenchCopy, benchCopyBandwidth: benchCopy }, contract)).toEqual([
      'benchCopyBandwidth: exported but not declared on NativeAddon',
      'benchCopy: declared but not exported',
    ]);
    class NativeModel {
      info() {}
      forward() {}
      dispose() {}
    }
    expect(contractDiff({ ...native, NativeModel }, contract)).toEqual([
      'NativeModel: declared method stateDict missing',
      'NativeModel: declared method writeReferenceDump missing',
    ]);
    const NativePredictor = class {
      static load() {}
      predict() {}
      info() {}
      dispose() {}
    };
    expect(contractDiff({ ...native, NativePredictor }, contract)).toEqual([
      'NativePredictor: declared static open missing',
      'NativePredictor: static load not declared',
    ]);
  });
});
