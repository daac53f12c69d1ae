/**
 * Reads the Smithy model of Amazon ECR (../shared/reference/smithy-ecr-2015-09-21.json) and writes
 * shared/model/ecr-model.json: every operation with its input/output shape and error names, and every
 * shape reachable from them with the constraints one validator interprets (required, length, range,
 * pattern, enum). Run with `npm run gen:model`; test/unit/model.test.ts checks the committed file is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = join(root, '..', 'shared', 'reference', 'smithy-ecr-2015-09-21.json');
export const TARGET = join(root, 'shared', 'model', 'ecr-model.json');

type Smithy = { shapes: Record<string, any> };
const NS = 'com.amazonaws.ecr#';
const local = (id: string) => id.replace(NS, '').replace('smithy.api#', '');

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
    if (len) { if (len.min !== undefined) out.min = len.min; if (len.max !== undefined) out.max = len.max; }
    const range = t['smithy.api#range'];
    if (range) { if (range.min !== undefined) out.min = range.min; if (range.max !== undefined) out.max = range.max; }
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
  const sorted = (o: Record<string, any>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  return { operations: sorted(operations), shapes: sorted(shapes) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const model = buildModel(JSON.parse(readFileSync(SOURCE, 'utf8')));
  writeFileSync(TARGET, JSON.stringify(model, null, 1) + '\n');
  console.log(`wrote ${TARGET}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes`);
}
