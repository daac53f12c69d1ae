/** The signed-in key, kept in this tab's session storage only: closing the tab forgets it. */
export type Credentials = { accessKeyId: string; secretAccessKey: string; region: string };

const KEY = 'serverless-ecr-console';

/** The key this tab signed in with, or undefined. */
export function loadSession(): Credentials | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Credentials | null;
    return value?.accessKeyId && value.secretAccessKey && value.region ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the key for this tab. */
export function saveSession(credentials: Credentials) {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

/** Forgets the key. */
export function clearSession() {
  sessionStorage.removeItem(KEY);
}
