/** Sign-in: an access key checked against the registry, then kept in session storage. */
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { useState } from 'preact/hooks';
import { ecr, errorName } from '../api.ts';
import { saveSession, type Credentials } from '../session.ts';
import { ErrorBox } from '../ui.tsx';

/** The form; `onSignedIn` gets the key once the registry accepted its signature (a refused permission still signs in). */
export function SignIn({ onSignedIn }: { onSignedIn: (c: Credentials) => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const value = (k: string) => String(form.get(k) ?? '').trim();
    const credentials: Credentials = {
      accessKeyId: value('accessKeyId'),
      secretAccessKey: value('secretAccessKey'),
      region: value('region') || 'us-east-1',
    };
    setBusy(true);
    setError(undefined);
    try {
      await ecr(credentials).send(new DescribeRepositoriesCommand({ maxResults: 1 }));
    } catch (e) {
      // AccessDenied means the signature was good: the key is known, it just may not list repositories.
      if (errorName(e) !== 'AccessDeniedException') {
        setBusy(false);
        return setError(e);
      }
    }
    saveSession(credentials);
    onSignedIn(credentials);
  };
  return (
    <main class="sign-in">
      <h1>serverless-ecr console</h1>
      <p class="muted">Sign in with an access key of this registry. It stays in this tab's session storage; every call is signed with it in the page.</p>
      <form onSubmit={submit}>
        <label>
          Access key ID
          <input name="accessKeyId" required autocomplete="username" />
        </label>
        <label>
          Secret access key
          <input name="secretAccessKey" type="password" required autocomplete="current-password" />
        </label>
        <label>
          Region
          <input name="region" value="us-east-1" />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
    </main>
  );
}
