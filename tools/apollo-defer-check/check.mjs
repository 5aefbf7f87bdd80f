// Checks satupintu's @defer with Apollo Client itself: its HttpLink asks
// for multipart/mixed (deferSpec=20220824), reads the parts, and the query
// yields the screen at once and BPJS's part when BPJS answers.
//
//   npm ci && node check.mjs http://127.0.0.1:8080
//
// The server must be in dev mode (the /dev helpers) and must not hold
// Budi's BPJS record in its cache: a fresh one, or one started with
// SATUPINTU_BPJS_CACHE_TTL=0s. Exits non-zero on any failed check.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Defer20220824Handler } from "@apollo/client/incremental";

const base = (process.argv[2] ?? process.env.SATUPINTU_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const budi = "3174011505800001";
const latencyMs = 600; // under BPJS's default attempt timeout (800 ms)

let failed = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failed++;
}

async function post(path, body) {
  const res = await fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status}`);
  return res.json();
}

// What Apollo Client says on the console is part of the check's output.
const warnings = [];
for (const level of ["warn", "error"]) {
  const orig = console[level];
  console[level] = (...args) => {
    warnings.push(args.map(String).join(" "));
    orig(...args);
  };
}

// A server just started may take a while to answer.
for (let i = 0; ; i++) {
  try {
    if ((await fetch(base + "/readyz")).ok) break;
  } catch {}
  if (i === 300) throw new Error(`${base} not ready after 60 s`);
  await new Promise((r) => setTimeout(r, 200));
}

const { access_token: token } = await post("/dev/token", { nik: budi });
await post("/dev/sim/faults", { agency: "bpjs", latencyMs });

const client = new ApolloClient({
  link: new HttpLink({ uri: base + "/graphql", headers: { Authorization: `Bearer ${token}`, "Accept-Language": "en" } }),
  cache: new InMemoryCache(),
  incrementalHandler: new Defer20220824Handler(),
});

const HOME = gql`
  query Home {
    home {
      name
      police { licences { number } }
      ... @defer(label: "health") {
        health { membership { cardNumber isActive } }
      }
    }
  }
`;

const results = [];
const started = performance.now();
try {
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no complete result within 15 s")), 15_000);
    const sub = client.watchQuery({ query: HOME, fetchPolicy: "network-only" }).subscribe({
      next(r) {
        if (r.loading && !r.data) return;
        results.push({ at: performance.now() - started, ...r });
        // networkStatus 7 (ready): the last part is in.
        if (r.networkStatus === 7 || r.error) {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve();
        }
      },
      error(e) {
        clearTimeout(timer);
        reject(e);
      },
    });
  });
} finally {
  await post("/dev/sim/faults", { agency: "bpjs" });
}

for (const r of results) {
  console.log(`  ${r.at.toFixed(0).padStart(5)} ms  networkStatus ${r.networkStatus}  ${JSON.stringify(r.data)}${r.error ? "  error: " + r.error.message : ""}`);
}
const first = results[0];
const last = results[results.length - 1];
check(results.length >= 2, `Apollo Client delivered the result in parts (${results.length})`);
check(first?.data?.home?.name === "BUDI SANTOSO" && first?.data?.home?.police?.licences?.length === 1, "the first part holds the name and the police record");
// satupintu (gqlgen) writes a deferred field as null until its part comes,
// so Apollo Client's dataState reads "complete" early; networkStatus 9
// (streaming) and loading say that more is coming.
check(first?.data?.home?.health?.membership == null, "the first part does not wait for BPJS");
check(first?.networkStatus === 9 && first?.loading === true, "with the first part, Apollo Client says more is coming (networkStatus 9, streaming)");
check(first?.at < latencyMs, `the first part came before BPJS could answer (${first?.at.toFixed(0)} ms < ${latencyMs} ms)`);
check(last?.networkStatus === 7 && last?.dataState === "complete" && !last?.error, "the last result is complete (networkStatus 7), without errors");
check(last?.data?.home?.health?.membership?.cardNumber === "0001234567801", "the deferred part holds BPJS's card");
check(last?.at >= latencyMs, `the deferred part came when BPJS answered (${last?.at.toFixed(0)} ms >= ${latencyMs} ms)`);
check(JSON.stringify(client.cache.extract()).includes("0001234567801"), "the cache holds the deferred data");
check(warnings.length === 0, `Apollo Client printed no warning (${warnings.length})`);

console.log(failed === 0 ? "apollo-defer-check: ok" : `apollo-defer-check: ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
