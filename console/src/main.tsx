/**
 * The console: a hash-routed single page (so it needs nothing of the server but its static files) over the ECR API.
 *   #/                                   repositories
 *   #/repositories/<name>[?per=N]        a repository: settings, images (N a page), lifecycle policy and its preview
 *   #/repositories/<name>/images/<digest> an image: manifest, layers, referrers, findings, replication and signing
 *   #/settings                           registry settings
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { clearSession, loadSession, type Credentials } from './session.ts';
import { SignIn } from './pages/sign-in.tsx';
import { Repositories } from './pages/repositories.tsx';
import { Repository } from './pages/repository.tsx';
import { Image } from './pages/image.tsx';
import { Settings } from './pages/settings.tsx';

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

/** A route segment decoded; a malformed escape is kept as written rather than breaking the page. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function Page({ hash, credentials }: { hash: string; credentials: Credentials }) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decode);
  const params = new URLSearchParams(query);
  if (parts[0] === 'settings') return <Settings credentials={credentials} />;
  if (parts[0] === 'repositories' && parts[1] && parts[2] === 'images' && parts[3])
    return <Image credentials={credentials} repositoryName={parts[1]} digest={parts[3]} />;
  if (parts[0] === 'repositories' && parts[1])
    return <Repository credentials={credentials} repositoryName={parts[1]} perPage={Number(params.get('per')) || 50} />;
  return <Repositories credentials={credentials} />;
}

function App() {
  const [credentials, setCredentials] = useState(loadSession());
  const hash = useHash();
  if (!credentials) return <SignIn onSignedIn={setCredentials} />;
  return (
    <>
      <header>
        <a class="brand" href="#/">
          serverless-ecr
        </a>
        <nav>
          <a href="#/">Repositories</a>
          <a href="#/settings">Registry settings</a>
        </nav>
        <span class="who">
          {credentials.accessKeyId} · {credentials.region}
          <button
            type="button"
            onClick={() => {
              clearSession();
              setCredentials(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <Page key={hash} hash={hash} credentials={credentials} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
