import type { router } from './context.ts';

/**
 * Swagger UI at /api/docs. Its assets come from jsDelivr, pinned to one version and checked with
 * Subresource Integrity (a changed file is refused by the browser, not run on our origin); the one
 * inline script Swagger UI would need is served from here instead, so the page's policy allows no
 * inline script. To upgrade: change the version and recompute both hashes
 * (`openssl dgst -sha384 -binary swagger-ui-bundle.js | base64` on the files of the npm package).
 */
const SWAGGER_UI = 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0';
const ASSETS = {
  css: { href: `${SWAGGER_UI}/swagger-ui.css`, integrity: 'sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I' },
  js: { src: `${SWAGGER_UI}/swagger-ui-bundle.js`, integrity: 'sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9' },
};

/** The docs page's own policy: the app's, plus the CDN for script and style (Swagger UI sets inline styles). */
export const DOCS_CSP = [
  "default-src 'self'",
  'script-src \'self\' https://cdn.jsdelivr.net',
  "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export const DOCS_PATHS = ['/api/docs', '/api/docs/init.js'] as const;

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Shuzhi API</title>
    <link rel="stylesheet" href="${ASSETS.css.href}" integrity="${ASSETS.css.integrity}" crossorigin="anonymous" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS.js.src}" integrity="${ASSETS.js.integrity}" crossorigin="anonymous"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>
`;

// validatorUrl null: no badge image fetched from validator.swagger.io (the policy would block it anyway).
const init = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', validatorUrl: null });\n`;

export function mountApiDocs(app: ReturnType<typeof router>): void {
  app.get('/api/docs', (c) => c.html(page));
  app.get('/api/docs/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
}
