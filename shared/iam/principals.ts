/**
 * The registry's principals: who may sign requests, with which keys, under which identity policies. The
 * `REGISTRY_IAM_FILE` JSON (`{"principals": [{"arn", "accessKeys": [{"accessKeyId", "secretAccessKey"}], "policies":
 * [<managed policy ARN> | <policy document>]}]}`) plus the registry account's root, whose key is
 * REGISTRY_ACCESS_KEY_ID / REGISTRY_SECRET_ACCESS_KEY. Policies are parsed once per version of the file.
 */
import { managedPolicy } from './managed.ts';
import { parsePolicy, PolicyError, type Policy } from './policy.ts';

export type Principal = {
  arn: string;
  account: string;
  /** The registry account's root: allowed every action identity-wise. */
  root: boolean;
  policies: Policy[];
};

type Key = { secretAccessKey: string; principal: Principal };

/** A principals file the registry refuses; the message names what is wrong. */
export class PrincipalsFileError extends Error {
  override readonly name = 'PrincipalsFileError';
}

const PRINCIPAL_ARN = /^arn:aws:iam::(\d{12}):(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

/** Every principal and access key the registry knows, looked up by key or by ARN. */
export class Directory {
  private readonly keys = new Map<string, Key>();
  private readonly arns = new Map<string, Principal>();

  constructor(entries: { principal: Principal; keys: { accessKeyId: string; secretAccessKey: string }[] }[]) {
    for (const { principal, keys } of entries) {
      this.arns.set(principal.arn, principal);
      for (const key of keys) this.keys.set(key.accessKeyId, { secretAccessKey: key.secretAccessKey, principal });
    }
  }

  /** The secret and principal of an access key, if the registry knows it. */
  byKey(accessKeyId: string): Key | undefined {
    return this.keys.get(accessKeyId);
  }

  /** The principal of an ARN, if it still exists (a removed principal loses its tokens at once). */
  byArn(arn: string): Principal | undefined {
    return this.arns.get(arn);
  }
}

/** The registry account's root with its access key. */
export function rootEntry(registryId: string, accessKeyId: string, secretAccessKey: string) {
  return { principal: { arn: `arn:aws:iam::${registryId}:root`, account: registryId, root: true, policies: [] }, keys: [{ accessKeyId, secretAccessKey }] };
}

/** Reads a principals file's text into a directory (with the root entry first); PrincipalsFileError when it is invalid. */
export function parsePrincipals(text: string, root: ReturnType<typeof rootEntry>): Directory {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PrincipalsFileError(`the principals file is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc?.principals)) throw new PrincipalsFileError('the principals file needs a "principals" list');
  const seenKeys = new Set(root.keys.map((k) => k.accessKeyId));
  const seenArns = new Set([root.principal.arn]);
  const entries = doc.principals.map((p: any, i: number) => {
    const at = `principals[${i}]`;
    const m = typeof p?.arn === 'string' ? PRINCIPAL_ARN.exec(p.arn) : null;
    if (!m) throw new PrincipalsFileError(`${at}.arn must be an IAM user, role or root ARN (arn:aws:iam::<12 digits>:user/<name>)`);
    if (seenArns.has(p.arn)) throw new PrincipalsFileError(`${at}.arn ${p.arn} appears twice`);
    seenArns.add(p.arn);
    const keys = p.accessKeys ?? [];
    if (!Array.isArray(keys)) throw new PrincipalsFileError(`${at}.accessKeys must be a list`);
    for (const [j, k] of keys.entries()) {
      if (typeof k?.accessKeyId !== 'string' || !ACCESS_KEY_ID.test(k.accessKeyId))
        throw new PrincipalsFileError(`${at}.accessKeys[${j}].accessKeyId must be 16 to 128 upper-case letters and digits`);
      if (typeof k.secretAccessKey !== 'string' || k.secretAccessKey.length < 16)
        throw new PrincipalsFileError(`${at}.accessKeys[${j}].secretAccessKey must be a string of at least 16 characters`);
      if (seenKeys.has(k.accessKeyId)) throw new PrincipalsFileError(`${at}.accessKeys[${j}].accessKeyId ${k.accessKeyId} is used twice`);
      seenKeys.add(k.accessKeyId);
    }
    if (!Array.isArray(p.policies ?? [])) throw new PrincipalsFileError(`${at}.policies must be a list`);
    const policies = (p.policies ?? []).map((policy: unknown, j: number) => {
      if (typeof policy === 'string') {
        const managed = managedPolicy(policy);
        if (!managed) throw new PrincipalsFileError(`${at}.policies[${j}] ${policy} is not one of AWS's managed ECR policies`);
        return managed;
      }
      try {
        return parsePolicy(policy as object);
      } catch (e) {
        if (e instanceof PolicyError) throw new PrincipalsFileError(`${at}.policies[${j}]: ${e.message}`);
        throw e;
      }
    });
    return {
      principal: { arn: p.arn, account: m[1], root: m[2] === 'root', policies },
      keys: keys.map((k: any) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey })),
    };
  });
  return new Directory([root, ...entries]);
}
