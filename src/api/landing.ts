// What a browser sees at / when the web app is not built: where to go next.
export const LANDING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Porchlight</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Porchlight is running</h1>
<p>The open-source lead engine and CRM for people who sell to property owners.</p>
<p>The web app is not built yet: run <code>npm run build:web</code> (<code>npm start</code> does it for you) and reload.</p>
<ul>
<li><a href="/docs">API documentation</a> (try requests there with the API key <code>npm start</code> printed)</li>
<li><a href="/openapi.json">OpenAPI 3.1 description</a></li>
<li><a href="/health">Health</a></li>
</ul>
<p>List your leads: <code>curl -H "Authorization: Bearer $KEY" http://localhost:3000/v1/leads</code></p>
</body></html>`;
