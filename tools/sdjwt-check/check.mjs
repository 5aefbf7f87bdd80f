// Verifies satupintu's document credentials with the OpenWallet
// Foundation's sd-jwt-js, unmodified, against a running dev server:
//
//   node check.mjs http://127.0.0.1:8080
//
// 1. Dewi shares her SIM A disclosing only name and age_over_17; the
//    sandbox verifier (GET /dev/verifiers) redeems the code through the
//    verify API, its request signed as api/verifier.yaml says.
// 2. @sd-jwt/sd-jwt-vc verifies the presentation: the signature against
//    the issuer's keys from /.well-known/jwt-vc-issuer, the disclosures'
//    digests, exp, and the status from the Token Status List it fetches.
//    The verifier learns exactly name and age_over_17.
// 3. Agus's suspended SIM B1: its credential verifies but its status,
//    read from the list with @sd-jwt/jwt-status-list, is 2 (SUSPENDED),
//    and sd-jwt-vc refuses it.
// Exits non-zero on the first failure.
import { createHmac } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest } from '@sd-jwt/crypto-nodejs';
import { getListFromStatusListJWT, getStatusListFromJWT } from '@sd-jwt/jwt-status-list';

const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const DEWI = '3273016402900007';
const AGUS = '3578010311750012';

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

async function json(path, init) {
  const res = await fetch(base + path, init);
  const body = await res.text();
  try {
    return { status: res.status, body: JSON.parse(body) };
  } catch {
    fail(`${path}: ${res.status}, not JSON: ${body.slice(0, 200)}`);
  }
}

async function token(nik) {
  const { body } = await json('/dev/token', { method: 'POST', body: JSON.stringify({ nik }) });
  return body.access_token;
}

async function graphql(tok, query, variables) {
  const { body } = await json('/graphql', {
    method: 'POST',
    headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  if (body.errors) fail(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const b64urlJSON = (s) => JSON.parse(Buffer.from(s, 'base64url').toString());

// The issuer's keys, as any verifier finds them.
const meta = (await json('/.well-known/jwt-vc-issuer')).body;
if (meta.issuer !== base && !base.startsWith(meta.issuer)) console.log(`note: issuer ${meta.issuer}, server ${base}`);
if (!meta.jwks?.keys?.length) fail('no keys in /.well-known/jwt-vc-issuer');
const verifiers = new Map();
for (const jwk of meta.jwks.keys) verifiers.set(jwk.kid, await ES256.getVerifier(jwk));
// Picks the key the JWT's header names (keys rotate: several are published).
const verifier = async (data, sig) => {
  const { kid } = b64urlJSON(data.split('.')[0]);
  const v = verifiers.get(kid);
  return v ? v(data, sig) : false;
};
const vc = new SDJwtVcInstance({ hasher: digest, verifier, statusVerifier: verifier });

// 1. Dewi shares her SIM A.
const dewi = await token(DEWI);
const docs = (await graphql(dewi, '{ documents { id type class status } }')).documents;
const sim = docs.find((d) => d.type === 'SIM' && d.class === 'A');
if (!sim) fail(`Dewi has no SIM A: ${JSON.stringify(docs)}`);
const shared = (
  await graphql(
    dewi,
    'mutation($in: ShareDocumentInput!) { shareDocument(input: $in) { share { code expiresAt } userErrors { code message } } }',
    { in: { documentId: sim.id, claims: ['name', 'age_over_17'], purpose: 'age-check' } },
  )
).shareDocument;
if (shared.userErrors.length) fail(`shareDocument: ${JSON.stringify(shared.userErrors)}`);
const code = shared.share.code;

const sandbox = (await json('/dev/verifiers')).body[0];
const body = JSON.stringify({ code, purpose: 'age-check' });
const t = Math.floor(Date.now() / 1000);
const mac = createHmac('sha256', sandbox.secret).update(`${t}.${body}`).digest('hex');
const redeemed = await json(`/verify/v1/shares/${code}`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', [sandbox.header]: sandbox.id, [sandbox.signature]: `t=${t},v1=${mac}` },
  body,
});
if (redeemed.status !== 200) fail(`verify: ${redeemed.status} ${JSON.stringify(redeemed.body)}`);

// 2. The presentation, as sd-jwt-vc verifies it.
const { payload, header } = await vc.verify(redeemed.body.presentation);
if (header.typ !== 'dc+sd-jwt') fail(`typ ${header.typ}`);
const personal = Object.keys(payload).filter(
  (k) => !['iss', 'iat', 'exp', 'vct', 'status', 'issuing_authority', 'issuing_country', '_sd_alg', 'cnf'].includes(k),
);
if (personal.sort().join(',') !== 'age_over_17,name') fail(`disclosed ${personal}, want exactly name and age_over_17`);
if (payload.name !== 'DEWI LESTARI' || payload.age_over_17 !== true) fail(`claims ${JSON.stringify(payload)}`);
if (!payload.vct.endsWith('/credentials/sim')) fail(`vct ${payload.vct}`);
console.log(`ok: SIM A presentation verified by @sd-jwt/sd-jwt-vc: ${JSON.stringify({ name: payload.name, age_over_17: payload.age_over_17 })}`);

// 3. Agus's suspended SIM B1.
const agus = await token(AGUS);
const agusDocs = (await graphql(agus, '{ documents { type class status credential } }')).documents;
const b1 = agusDocs.find((d) => d.type === 'SIM' && d.class === 'B1');
if (!b1 || b1.status !== 'SUSPENDED') fail(`Agus's SIM B1: ${JSON.stringify(b1)}`);
// The credential's reference, as the status-list package reads it.
const ref = getStatusListFromJWT(b1.credential.split('~')[0]);
const listRes = await fetch(ref.uri, { headers: { Accept: 'application/statuslist+jwt' } });
if (!listRes.headers.get('content-type')?.includes('application/statuslist+jwt')) fail('the status list is not application/statuslist+jwt');
const listJWT = await listRes.text();
const listPayload = b64urlJSON(listJWT.split('.')[1]);
if (b64urlJSON(listJWT.split('.')[0]).typ !== 'statuslist+jwt' || listPayload.sub !== ref.uri || !(listPayload.ttl > 0)) {
  fail(`the list is not a statuslist+jwt for ${ref.uri} with a ttl: ${JSON.stringify(listPayload).slice(0, 200)}`);
}
const status = getListFromStatusListJWT(listJWT).getStatus(ref.idx);
if (status !== 2) fail(`Agus's SIM B1 has status ${status} in ${ref.uri}, want 2 (SUSPENDED)`);
try {
  await vc.verify(b1.credential);
  fail('sd-jwt-vc accepted a suspended SIM');
} catch (e) {
  if (!/Status is not valid/.test(e.message)) fail(`sd-jwt-vc refused the suspended SIM for another reason: ${e.message}`);
}
console.log(`ok: SIM B1 suspended: status ${status} at idx ${ref.idx} of ${ref.uri}, refused by @sd-jwt/sd-jwt-vc`);
