/**
 * Validates an operation's input against the constraints of the ECR model and decodes blobs and timestamps.
 * The model is the caller's: each group's handler passes its slice (shared/model/groups/<group>.json, the
 * group's operations and the shapes they reach), so that a Lambda bundles only its own; the whole model
 * (shared/model/ecr-model.json) validates alike. Both are generated from the Smithy model by scripts/gen-model.ts.
 * Operations whose model lists ValidationException get AWS's "N validation errors detected" wording;
 * the others get ECR's InvalidParameterException wording ("Invalid parameter at 'x' failed to satisfy
 * constraint: '...'"). A value of the wrong JSON type is a SerializationException.
 */
import { invalidParameter, SerializationException, ValidationException } from '../errors.ts';

type Shape = {
  t: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  m?: Record<string, { s: string; r?: 1 }>;
  s?: string;
  k?: string;
  v?: string;
};
type Shapes = Record<string, Shape>;
/** A model as scripts/gen-model.ts writes it (typed loosely: a JSON import's inferred type is wider than Shape). */
export type Model = { operations: object; shapes: object };
type Operations = Record<string, { input: string; output: string; errors: string[] }>;

type Violation = { path: string; value: unknown; constraint: string; ecrConstraint: string };
const patterns = new Map<string, RegExp>();
const regex = (p: string) => patterns.get(p) ?? patterns.set(p, compile(p)).get(p)!;
/** A model pattern as a RegExp: Unicode-aware, or without the flag for the patterns whose escapes (`\-`) only non-Unicode mode accepts (CredentialArn). */
function compile(p: string): RegExp {
  try {
    return new RegExp(p, 'u');
  } catch {
    return new RegExp(p);
  }
}
/** How the pattern reads in a message: without anchors, as AWS prints it. */
const shownPattern = (p: string) => p.replace(/^\^/, '').replace(/\$$/, '').replace(/\\\//g, '/');

/** Returns the decoded input (blobs as Buffers, timestamps as Dates) or throws the wire error. */
export function validateInput(model: Model, operation: string, input: unknown): Record<string, any> {
  const operations = model.operations as Operations;
  const op = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
  if (!op) throw new Error(`operation ${operation} is not in the model`);
  const violations: Violation[] = [];
  const decoded = walk(model.shapes as Shapes, op.input, input ?? {}, '', violations);
  if (violations.length === 0) return decoded;
  if (op.errors.includes('ValidationException')) {
    const n = violations.length;
    const text = violations.map((v) => `Value ${showValue(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`).join('; ');
    throw new ValidationException(`${n} validation error${n > 1 ? 's' : ''} detected: ${text}`);
  }
  const v = violations[0];
  throw invalidParameter(v.path, v.ecrConstraint);
}

function showValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (Buffer.isBuffer(value)) return `'java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]'`;
  if (typeof value === 'object') return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

function typeError(path: string, expected: string, value: unknown): never {
  throw new SerializationException(`Value ${showValue(value)} at '${path || 'input'}' cannot be read as ${expected}`);
}

function walk(shapes: Shapes, shapeName: string, value: unknown, path: string, out: Violation[]): any {
  const shape = shapes[shapeName];
  if (!shape) return value; // smithy.api#Unit and prelude shapes carry no constraints
  const violate = (constraint: string, ecrConstraint = constraint) => out.push({ path, value, constraint, ecrConstraint });
  switch (shape.t) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) typeError(path, 'a structure', value);
      const obj = value as Record<string, unknown>;
      const result: Record<string, unknown> = {};
      for (const [member, def] of Object.entries(shape.m ?? {})) {
        const memberPath = path ? `${path}.${member}` : member;
        const v = obj[member];
        if (v === undefined || v === null) {
          if (def.r) out.push({ path: memberPath, value: null, constraint: 'Member must not be null', ecrConstraint: 'Member must not be null' });
          continue;
        }
        result[member] = walk(shapes, def.s, v, memberPath, out);
      }
      return result;
    }
    case 'list': {
      if (!Array.isArray(value)) typeError(path, 'a list', value);
      checkLength(shape, value.length, violate);
      return value.map((item, i) => walk(shapes, shape.s!, item, `${path}.${i + 1}.member`, out));
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) typeError(path, 'a map', value);
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(shape, entries.length, violate);
      return Object.fromEntries(entries.map(([k, v]) => [walk(shapes, shape.k!, k, `${path}.key`, out), walk(shapes, shape.v!, v, `${path}.value`, out)]));
    }
    case 'string': {
      if (typeof value !== 'string') typeError(path, 'a string', value);
      checkLength(shape, [...value].length, violate);
      if (shape.pattern && !regex(shape.pattern).test(value)) {
        violate(
          `Member must satisfy regular expression pattern: ${shownPattern(shape.pattern)}`,
          `must satisfy regular expression '${shownPattern(shape.pattern)}'`,
        );
      }
      if (shape.enum && !shape.enum.includes(value)) violate(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      return value;
    }
    case 'integer':
    case 'long':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) typeError(path, `a ${shape.t}`, value);
      if (shape.t !== 'double' && !Number.isInteger(value)) typeError(path, `a ${shape.t}`, value);
      if (shape.min !== undefined && value < shape.min) violate(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) violate(`Member must have value less than or equal to ${shape.max}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') typeError(path, 'a boolean', value);
      return value;
    case 'blob': {
      if (typeof value !== 'string') typeError(path, 'base64-encoded bytes', value);
      const bytes = Buffer.from(value, 'base64');
      // Buffer.from skips characters outside the alphabet: a clean decode has exactly the length the text promises.
      if (value.length % 4 !== 0 || bytes.length !== (value.length / 4) * 3 - padding(value)) typeError(path, 'base64-encoded bytes', value);
      checkLength(shape, bytes.length, violate);
      return bytes;
    }
    case 'timestamp':
      if (typeof value !== 'number') typeError(path, 'a timestamp in epoch seconds', value);
      return new Date(value * 1000);
    default:
      return value;
  }
}

/** How many '=' end a base64 text. */
function padding(text: string): number {
  return text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
}

function checkLength(shape: Shape, length: number, violate: (c: string) => void) {
  if (shape.min !== undefined && length < shape.min) violate(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) violate(`Member must have length less than or equal to ${shape.max}`);
}
