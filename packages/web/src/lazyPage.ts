import { isValidElement, lazy, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';

// `any` props: React's own bound for what lazy() accepts.
type AnyComponent = ComponentType<any>;

export type LazyPage<C extends AnyComponent> = LazyExoticComponent<C> & {
  /** Starts fetching the page's chunk without rendering it. */
  preload(): void;
};

/**
 * A page (a named export of its module) loaded when it is first shown: every page file becomes its own
 * chunk, so a door's first load carries only the pages it opens (`npm run bench -- web`). App.tsx's
 * Suspense boundary shows the loading state meanwhile.
 */
export function lazyPage<K extends string, M extends Record<K, AnyComponent>>(load: () => Promise<M>, name: K): LazyPage<M[K]> {
  let loading: Promise<M> | undefined;
  const once = () =>
    (loading ??= load().catch((e: unknown) => {
      // A failed fetch (a dropped link) is tried again the next time the page is asked for.
      loading = undefined;
      throw e;
    }));
  return Object.assign(
    lazy(() => once().then((m) => ({ default: m[name] }))),
    { preload: () => void once().catch(() => {}) },
  );
}

/**
 * Starts loading the chunk of the page a rendered route shows, if it is a lazy page: called while the
 * session is still being checked, so the page's chunk and the sign-in check travel in parallel instead
 * of one after the other (on a slow link each request costs a round trip).
 */
export function preloadPage(element: ReactNode): void {
  if (!isValidElement(element)) return;
  const type = element.type as Partial<LazyPage<ComponentType>>;
  if (typeof type.preload === 'function') type.preload();
}
