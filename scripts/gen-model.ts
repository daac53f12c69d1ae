/**
 * Reads the Smithy model of Amazon ECR from shared/model/source/ (the 2026-04 base,
 * smithy-ecr-2015-09-21.json, with the 2026 additions fragment, smithy-ecr-2015-09-21-additions-2026.json,
 * merged over it: whole-shape replacement for every shape of the fragment; 62 operations) and writes
 *  - shared/model/ecr-model.json: every operation with its input/output shape and error names, and every
 *    shape reachable from them with the constraints one validator interprets (required, length, range,
 *    pattern, enum);
 *  - shared/model/groups/<group>.json: one slice of that model per operation group of infra/routing.ts ROUTES
 *    (the group's operations and the shapes their inputs reach, all the validator reads), so that each
 *    group's Lambda bundles only its own (functions/<group>/handler.ts passes its slice to ecrHandler);
 *  - shared/model/types.ts: TypeScript types (types only) of every operation's input and output and of the
 *    shapes they reach, as the code sees them (blobs as Buffers, timestamps as Dates).
 * Run with `npm run gen:model`; `npm run gen:model -- --refresh` first copies the sources anew from
 * ../shared/reference (when that folder exists). test/unit/model.test.ts checks both outputs are current.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { GROUPS, ROUTES } from '../infra/routing.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The in-repository copies of the model files. */
export const SOURCE_DIR = join(root, 'shared', 'model', 'source');
/** Where --refresh copies them from (outside the repository; not in every clone). */
export const REFERENCE_DIR = join(root, '..', 'shared', 'reference');
export const SOURCE_FILES = ['smithy-ecr-2015-09-21.json', 'smithy-ecr-2015-09-21-additions-2026.json'] as const;
export const SOURCE = join(SOURCE_DIR, SOURCE_FILES[0]);
export const ADDITIONS = join(SOURCE_DIR, SOURCE_FILES[1]);
export const TARGET = join(root, 'shared', 'model', 'ecr-model.json');
export const TYPES_TARGET = join(root, 'shared', 'model', 'types.ts');
/** The folder of the per-group slices: <group>.json for each group of infra/routing.ts. */
export const GROUPS_DIR = join(root, 'shared', 'model', 'groups');
export const groupTarget = (group: string) => join(GROUPS_DIR, `${group}.json`);

type Smithy = { shapes: Record<string, any> };
const NS = 'com.amazonaws.ecr#';
const local = (id: string) => id.replace(NS, '').replace('smithy.api#', '');

/** The base model with the fragment's shapes put over it, each replacing the base's whole shape. */
export function mergeModel(base: Smithy, fragment: Smithy): Smithy {
  const merged = { ...base, shapes: { ...base.shapes } };
  for (const [id, shape] of Object.entries(fragment.shapes)) merged.shapes[id] = shape;
  return merged;
}

/** The merged Smithy model read from the in-repository sources. */
export function readSmithy(dir = SOURCE_DIR): Smithy {
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  return mergeModel(read(SOURCE_FILES[0]), read(SOURCE_FILES[1]));
}

/** An object with its keys in sorted order (the generated files are stable whatever the source order). */
const sorted = (o: Record<string, any>) =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );

/** Builds the compact model from the Smithy AST. */
export function buildModel(smithy: Smithy) {
  const shapes: Record<string, any> = {};
  const operations: Record<string, any> = {};
  const visit = (id: string) => {
    const name = local(id);
    if (shapes[name] || id.startsWith('smithy.api#')) return name;
    const s = smithy.shapes[id];
    const t = s.traits ?? {};
    const out: any = { t: s.type };
    const len = t['smithy.api#length'];
    if (len) {
      if (len.min !== undefined) out.min = len.min;
      if (len.max !== undefined) out.max = len.max;
    }
    const range = t['smithy.api#range'];
    if (range) {
      if (range.min !== undefined) out.min = range.min;
      if (range.max !== undefined) out.max = range.max;
    }
    if (t['smithy.api#pattern']) out.pattern = t['smithy.api#pattern'];
    shapes[name] = out;
    if (s.type === 'enum') {
      out.t = 'string';
      out.enum = Object.values(s.members).map((m: any) => m.traits['smithy.api#enumValue']);
    } else if (s.type === 'structure') {
      out.m = {};
      for (const [member, def] of Object.entries<any>(s.members)) {
        const m: any = { s: visit(def.target) };
        if (def.traits?.['smithy.api#required'] !== undefined) m.r = 1;
        out.m[member] = m;
      }
    } else if (s.type === 'list') {
      out.s = visit(s.member.target);
    } else if (s.type === 'map') {
      out.k = visit(s.key.target);
      out.v = visit(s.value.target);
    }
    return name;
  };
  for (const [id, s] of Object.entries<any>(smithy.shapes)) {
    if (s.type !== 'operation') continue;
    operations[local(id)] = {
      input: visit(s.input.target),
      output: visit(s.output.target),
      errors: (s.errors ?? []).map((e: any) => local(e.target)),
    };
  }
  return { operations: sorted(operations), shapes: sorted(shapes) };
}

type CompactModel = ReturnType<typeof buildModel>;

/**
 * The slice of the compact model one group's validator needs: the operations `routes` gives the group, and
 * every shape their inputs reach (the validator walks inputs only; an output shape is only named).
 */
export function buildGroupModel(model: CompactModel, group: string, routes: Readonly<Record<string, string>> = ROUTES): CompactModel {
  const operations: Record<string, any> = {};
  const shapes: Record<string, any> = {};
  const visit = (name: string | undefined) => {
    if (name === undefined || shapes[name] || !model.shapes[name]) return;
    const shape = model.shapes[name];
    shapes[name] = shape;
    for (const member of Object.values<any>(shape.m ?? {})) visit(member.s);
    visit(shape.s);
    visit(shape.k);
    visit(shape.v);
  };
  for (const [operation, def] of Object.entries<any>(model.operations)) {
    if (routes[operation] !== group) continue;
    operations[operation] = def;
    visit(def.input);
  }
  return { operations: sorted(operations), shapes: sorted(shapes) };
}

/** Every group's slice, keyed by group (infra/routing.ts GROUPS). */
export function buildGroupModels(model: CompactModel): Record<string, CompactModel> {
  return Object.fromEntries(GROUPS.map((group) => [group, buildGroupModel(model, group)]));
}

/** The text each generated JSON file has. */
export const modelJson = (model: CompactModel) => JSON.stringify(model, null, 1) + '\n';

/** The TypeScript of the simple (unnamed) Smithy types; `side` says whether the value is read or written. */
function simpleType(type: string, side: 'input' | 'output' | 'both'): string | undefined {
  switch (type) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'bigInteger':
    case 'bigDecimal':
      return 'number';
    // validate.ts decodes a timestamp to a Date; serialize() writes a Date as epoch seconds.
    case 'timestamp':
      return 'Date';
    // validate.ts decodes a blob's base64 to a Buffer; serialize() writes any Uint8Array (Buffers included) as base64.
    case 'blob':
      return side === 'input' ? 'Buffer' : 'Buffer | Uint8Array';
    case 'document':
      return 'unknown';
    default:
      return undefined;
  }
}

const PRELUDE: Record<string, string> = {
  String: 'string',
  Boolean: 'boolean',
  PrimitiveBoolean: 'boolean',
  Byte: 'byte',
  PrimitiveByte: 'byte',
  Short: 'short',
  PrimitiveShort: 'short',
  Integer: 'integer',
  PrimitiveInteger: 'integer',
  Long: 'long',
  PrimitiveLong: 'long',
  Float: 'float',
  PrimitiveFloat: 'float',
  Double: 'double',
  PrimitiveDouble: 'double',
  BigInteger: 'bigInteger',
  BigDecimal: 'bigDecimal',
  Timestamp: 'timestamp',
  Blob: 'blob',
  Document: 'document',
};

/** The first sentence of a Smithy documentation string, as plain text on one line (or undefined). */
function oneLine(doc: string | undefined): string | undefined {
  if (!doc) return undefined;
  const text = doc
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  const sentence = (text.match(/^.*?[.!?](?=\s|$)/)?.[0] ?? text).replace(/\*\//g, '*\\/');
  return sentence ? (sentence.length > 200 ? sentence.slice(0, 197) + '...' : sentence) : undefined;
}

/** Member names that are not plain identifiers are quoted. */
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/**
 * Builds shared/model/types.ts: `<Operation>Input` / `<Operation>Output` aliases, a named type for every
 * structure, union and enum they reach (lists, maps and simple shapes are written inline), and the maps
 * `OperationInputs` / `OperationOutputs` keyed by operation name.
 */
export function buildTypes(smithy: Smithy): string {
  const operations = Object.entries<any>(smithy.shapes)
    .filter(([, s]) => s.type === 'operation')
    .map(([id, s]) => ({ name: local(id), shape: s }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  // Which side(s) each named shape is reached from: a blob only read from requests is a Buffer.
  const sides = new Map<string, Set<'input' | 'output'>>();
  const reach = (id: string, side: 'input' | 'output') => {
    if (id.startsWith('smithy.api#')) return;
    const seen = sides.get(id) ?? new Set();
    if (seen.has(side)) return;
    seen.add(side);
    sides.set(id, seen);
    const s = smithy.shapes[id];
    if (!s) throw new Error(`shape ${id} is not in the model`);
    if (s.type === 'structure' || s.type === 'union') for (const m of Object.values<any>(s.members)) reach(m.target, side);
    else if (s.type === 'list' || s.type === 'set') reach(s.member.target, side);
    else if (s.type === 'map') {
      reach(s.key.target, side);
      reach(s.value.target, side);
    }
  };
  for (const { shape } of operations) {
    reach(shape.input.target, 'input');
    reach(shape.output.target, 'output');
  }
  const sideOf = (id: string): 'input' | 'output' | 'both' => {
    const s = sides.get(id)!;
    return s.size === 2 ? 'both' : [...s][0];
  };
  const named = (s: any) => s.type === 'structure' || s.type === 'union' || s.type === 'enum' || s.type === 'intEnum';
  const typeOf = (id: string): string => {
    if (id.startsWith('smithy.api#')) {
      const simple = simpleType(PRELUDE[local(id)] ?? '', 'both');
      if (!simple) throw new Error(`no TypeScript type for ${id}`);
      return simple;
    }
    const s = smithy.shapes[id];
    if (named(s)) return local(id);
    if (s.type === 'list' || s.type === 'set') {
      const item = typeOf(s.member.target);
      return /^[\w.]+$/.test(item) ? `${item}[]` : `(${item})[]`;
    }
    if (s.type === 'map') return `Record<string, ${typeOf(s.value.target)}>`;
    const simple = simpleType(s.type, sideOf(id));
    if (!simple) throw new Error(`no TypeScript type for ${id} (${s.type})`);
    return simple;
  };
  const lines: string[] = [
    '/**',
    " * The TypeScript types of every ECR operation's input and output and of the shapes they reach, as the code",
    ' * sees them: inputs as shared/protocol/validate.ts returns them (blobs decoded to Buffers, timestamps to',
    ' * Dates, unknown members dropped), outputs as the operations return them to serialize() in',
    ' * shared/protocol/ecr-handler.ts (Dates written as epoch seconds, Buffers/Uint8Arrays as base64).',
    ' * Generated by scripts/gen-model.ts from the Smithy model in shared/model/source/ (npm run gen:model);',
    ' * do not edit. Types only: this module has no runtime code.',
    ' */',
    '',
  ];
  const doc = (text: string | undefined) => {
    if (text) lines.push(`/** ${text} */`);
  };
  const shapeIds = [...sides.keys()].filter((id) => named(smithy.shapes[id])).sort((a, b) => (local(a) < local(b) ? -1 : 1));
  const opNames = new Set(operations.flatMap(({ name }) => [`${name}Input`, `${name}Output`]));
  for (const id of shapeIds) {
    const name = local(id);
    if (opNames.has(name) || name === 'OperationInputs' || name === 'OperationOutputs') throw new Error(`shape name ${name} collides with a generated name`);
  }

  lines.push('// Operations: input and output of each.', '');
  for (const { name, shape } of operations) {
    doc(oneLine(shape.traits?.['smithy.api#documentation']));
    lines.push(`export type ${name}Input = ${typeOf(shape.input.target)};`);
    lines.push(`export type ${name}Output = ${typeOf(shape.output.target)};`);
  }
  lines.push('', "/** Every operation's input, keyed by operation name. */", 'export type OperationInputs = {');
  for (const { name } of operations) lines.push(`  ${name}: ${name}Input;`);
  lines.push('};', '', "/** Every operation's output, keyed by operation name. */", 'export type OperationOutputs = {');
  for (const { name } of operations) lines.push(`  ${name}: ${name}Output;`);
  lines.push('};', '', '// Shapes: every structure and enum the operations reach.');

  for (const id of shapeIds) {
    const s = smithy.shapes[id];
    const name = local(id);
    lines.push('');
    if (s.type === 'enum' || s.type === 'intEnum') {
      const values = Object.values<any>(s.members).map((m) => JSON.stringify(m.traits['smithy.api#enumValue']));
      lines.push(`export type ${name} = ${values.join(' | ')};`);
      continue;
    }
    const members = Object.entries<any>(s.members);
    // An empty structure: no members at all.
    if (!members.length) {
      lines.push(`export type ${name} = Record<string, never>;`);
      continue;
    }
    if (s.type === 'union') {
      // Exactly one member is set.
      lines.push(`export type ${name} =`);
      for (const [member, def] of members) lines.push(`  | { ${key(member)}: ${typeOf(def.target)} }`);
      lines[lines.length - 1] += ';';
      continue;
    }
    lines.push(`export type ${name} = {`);
    for (const [member, def] of members) {
      const required = def.traits?.['smithy.api#required'] !== undefined;
      lines.push(`  ${key(member)}${required ? '' : '?'}: ${typeOf(def.target)};`);
    }
    lines.push('};');
  }
  return lines.join('\n') + '\n';
}

/** Copies the model files anew from ../shared/reference; false when that folder is not there. */
export function refreshSources(): boolean {
  if (!existsSync(REFERENCE_DIR)) return false;
  mkdirSync(SOURCE_DIR, { recursive: true });
  // Byte for byte, but writable (the reference files are read-only; copyFileSync would carry that over).
  for (const file of SOURCE_FILES) writeFileSync(join(SOURCE_DIR, file), readFileSync(join(REFERENCE_DIR, file)));
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--refresh')) {
    if (refreshSources()) console.log(`copied ${SOURCE_FILES.join(', ')} from ${REFERENCE_DIR} to ${SOURCE_DIR}`);
    else console.log(`${REFERENCE_DIR} does not exist: using the copies in ${SOURCE_DIR}`);
  }
  const smithy = readSmithy();
  const model = buildModel(smithy);
  writeFileSync(TARGET, modelJson(model));
  console.log(`wrote ${TARGET}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes`);
  mkdirSync(GROUPS_DIR, { recursive: true });
  for (const [group, slice] of Object.entries(buildGroupModels(model))) {
    writeFileSync(groupTarget(group), modelJson(slice));
    console.log(`wrote ${groupTarget(group)}: ${Object.keys(slice.operations).length} operations, ${Object.keys(slice.shapes).length} shapes`);
  }
  writeFileSync(TYPES_TARGET, buildTypes(smithy));
  console.log(`wrote ${TYPES_TARGET}`);
}
