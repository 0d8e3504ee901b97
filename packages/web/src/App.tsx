import { Suspense, useEffect, useMemo, useRef, useState } from 'react';
import type { User } from '@shuzhi/schema';
import { createApi, type ApiClient } from './api/client.ts';
import { ApiProvider, EventsProvider, UserProvider } from './api/context.tsx';
import { EventHub } from './api/events.ts';
import { ErrorBox, Loading } from './components/Feedback.tsx';
import { doorFor } from './doors/registry.ts';
import { I18nProvider } from './i18n/I18nProvider.tsx';
import { allowedFor, homePath } from './nav.ts';
import { NotAllowedPage } from './pages/NotFoundPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { currentPath, navigate, useRoutePath } from './router.tsx';
import { renderRoute } from './routes.tsx';
import { ApiError } from './api/client.ts';
import { lazyPage, preloadPage } from './lazyPage.ts';

const VerifyPage = lazyPage(() => import('./modules/gov/VerifyPage.tsx'), 'VerifyPage');

type Session = { state: 'checking' } | { state: 'anonymous'; expired: boolean } | { state: 'error'; error: unknown } | { state: 'signed-in'; user: User };

function Authenticated({ user, api, onLogout }: { user: User; api: ApiClient; onLogout: () => void }) {
  const path = useRoutePath();
  const hub = useMemo(() => new EventHub(), []);
  useEffect(() => {
    hub.start();
    return () => hub.stop();
  }, [hub]);
  useEffect(() => {
    // Each role lands on its own door; a deep link (a shared URL, a page reloaded) is kept.
    if (path === '/' || path === '') navigate(homePath(user.role));
  }, [path, user.role]);

  const { Layout } = doorFor(path);
  return (
    <UserProvider user={user}>
      <EventsProvider hub={hub}>
        <Layout
          user={user}
          path={path}
          onLogout={async (then?: string) => {
            hub.stop();
            // The next person to sign in on this screen lands on their own door, not on this one's last page.
            if (!then) navigate('/');
            try {
              await api.logout();
            } finally {
              onLogout();
              // A door's own start screen (the kiosk's) only once signed out: its page would call the API.
              if (then) navigate(then);
            }
          }}
        >
          {/* Pages are loaded with their door (lazyPage): the door's frame stays while one arrives. */}
          <Suspense fallback={<Loading />}>{allowedFor(path, user.role) ? renderRoute(path) : <NotAllowedPage />}</Suspense>
        </Layout>
      </EventsProvider>
    </UserProvider>
  );
}

/** `embedded`: the session the server put in the shell (api/early.ts); without it the app asks /api/auth/me. */
export function App({ api: given, embedded }: { api?: ApiClient; embedded?: { user: User | null } | undefined }) {
  const [session, setSession] = useState<Session>(() =>
    !embedded ? { state: 'checking' } : embedded.user ? { state: 'signed-in', user: embedded.user } : { state: 'anonymous', expired: false },
  );
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const api = useMemo(
    () =>
      given ??
      createApi({
        // Any 401 after sign-in means the session ended (expired, logged out elsewhere): back to the login page.
        onUnauthorized: () => {
          if (sessionRef.current.state === 'signed-in') setSession({ state: 'anonymous', expired: true });
        },
      }),
    [given],
  );

  const check = () => {
    setSession({ state: 'checking' });
    // A deep link's page is fetched while the session is checked (a signed-out visitor gets the sign-in and
    // the page's chunk waits in the cache); `/` lands on a door chosen by role, known only after the check.
    preloadPage(renderRoute(currentPath()));
    api.me().then(
      (user) => setSession({ state: 'signed-in', user }),
      (err: unknown) =>
        setSession(err instanceof ApiError && err.status === 401 ? { state: 'anonymous', expired: false } : { state: 'error', error: err }),
    );
  };
  useEffect(() => {
    // Known from the shell: the door paints at once, no round trip for the session first.
    if (!embedded) check();
  }, [api]);

  const path = useRoutePath();
  let body;
  // Certificate verification is public (a QR code on paper leads here): no login, no shell.
  if (path.startsWith('/verify/'))
    body = (
      <Suspense fallback={<Loading />}>
        <VerifyPage key={path} id={decodeURIComponent(path.slice('/verify/'.length))} />
      </Suspense>
    );
  else if (session.state === 'checking') body = <Loading />;
  else if (session.state === 'error') body = <ErrorBox error={session.error} onRetry={check} />;
  else if (session.state === 'anonymous') {
    const Login = doorFor(path).Login ?? LoginPage;
    body = <Login expired={session.expired} onLoggedIn={(user) => setSession({ state: 'signed-in', user })} />;
  }
  else
    body = (
      <Authenticated user={session.user} api={api} onLogout={() => setSession({ state: 'anonymous', expired: false })} />
    );

  return (
    <I18nProvider>
      <ApiProvider api={api}>{body}</ApiProvider>
    </I18nProvider>
  );
}
