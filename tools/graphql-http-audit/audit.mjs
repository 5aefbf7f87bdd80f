// Runs graphql-http's GraphQL-over-HTTP server audits (the spec's MUST,
// SHOULD and MAY) against a running satupintu, signed in as a seeded
// citizen, and exits non-zero when any MUST or SHOULD fails.
//
//   npm ci && node audit.mjs http://127.0.0.1:8080/graphql
//
// AUDIT_TOKEN is the access token to send; without it one is minted from
// the dev server's POST /dev/token for AUDIT_NIK (Budi by default). The
// script waits up to AUDIT_WAIT_SECONDS (120) for GET /readyz first.
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? process.env.AUDIT_URL ?? 'http://127.0.0.1:8080/graphql';
const origin = new URL(url).origin;

async function ready() {
  const deadline = Date.now() + 1000 * Number(process.env.AUDIT_WAIT_SECONDS ?? 120);
  for (;;) {
    try {
      if ((await fetch(`${origin}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${origin}/readyz did not answer 200 in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function token() {
  if (process.env.AUDIT_TOKEN) return process.env.AUDIT_TOKEN;
  const nik = process.env.AUDIT_NIK ?? '3174011505800001';
  const res = await fetch(`${origin}/dev/token`, { method: 'POST', body: JSON.stringify({ nik }) });
  if (!res.ok) throw new Error(`POST ${origin}/dev/token: HTTP ${res.status} (set AUDIT_TOKEN for a server not in dev mode)`);
  return (await res.json()).access_token;
}

await ready();
const bearer = `Bearer ${await token()}`;
// Every audit request carries the token, as the app's would.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', bearer);
  return fetch(input, { ...init, headers });
};

const results = await Promise.all(serverAudits({ url, fetchFn }).map((a) => a.fn()));
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status]++;
  if (r.status !== 'ok') {
    let body = '';
    try {
      body = await r.response.text();
    } catch {
      // already read by the audit
    }
    console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}\n  ${r.reason} (HTTP ${r.response.status}) ${body.slice(0, 300)}`);
  }
}
console.log(
  `graphql-http server audits against ${url}: ${results.length} audits, ${counts.ok} ok, ` +
    `${counts.error} MUST failed, ${counts.warn} SHOULD failed, ${counts.notice} MAY failed`,
);
process.exit(counts.error + counts.warn > 0 ? 1 : 0);
