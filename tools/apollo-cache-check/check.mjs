// One app session against satupintu through Apollo Client and its
// InMemoryCache, as the national app runs it: the home screen, the profile,
// the catalog, an application and its progress, a device, the inbox, and
// the screens fetched again. It fails when Apollo logs any warning or error
// (among them "Cache data may be lost"), when the cache holds the citizen
// as more than one object (me and home.me must be one), or when it keeps an
// object without an id inside another (only containers may be: connections,
// edges, page information, payloads).
//
//   npm ci
//   npm run live -- http://localhost:8080     # against a running dev server
//   npm run record -- http://localhost:8080   # the same, and writes fixtures/session.json
//   npm run check                             # replays fixtures/session.json, no server needed
//
// Then it shows what typePolicies.mjs is for: a list that gets shorter makes
// Apollo warn even when its elements are normalized, unless the field says
// how to merge; and it checks that typePolicies.mjs covers every list field
// of the released schema (graph/schema.snapshot.graphql).

import { readFileSync, writeFileSync } from "node:fs";
import { format } from "node:util";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { loadDevMessages, loadErrorMessages } from "@apollo/client/dev";
import { buildSchema, getNamedType, getNullableType, isCompositeType, isListType, isObjectType } from "graphql";
import { of, tap } from "rxjs";
import { typePolicies } from "./typePolicies.mjs";

loadDevMessages();
loadErrorMessages();

const fixture = new URL("./fixtures/session.json", import.meta.url);
const snapshot = new URL("../../graph/schema.snapshot.graphql", import.meta.url);

// What Apollo logs: its warnings and errors go through console.warn and
// console.error (in development builds: node --conditions=development).
// Kept, and printed with the failure they cause.
const logged = [];
for (const level of ["warn", "error"]) {
  console[level] = (...args) => logged.push(`${level}: ${format(...args)}`);
}

const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.log(`FAIL ${msg}`);
};

const HOME = gql`
  query Home {
    home {
      id
      name
      alerts { id kind severity title message dueDate serviceId deepLink }
      sources { id agency status fetchedAt }
      me { ...CitizenCard }
      health { id membership { id isActive class { id code label } status { id code label } } }
      education { id students { id name relation school { id name level } pip { id stage deadline annualAmount } } }
      police { id licences { id class expiresOn renewableOnline } unpaidTickets { id plate confirmBy fine status } }
      social { id registered decile }
    }
  }
  fragment CitizenCard on Me { id name }
`;

const PROFILE = gql`
  query Profile {
    me {
      ...CitizenCard
      nik
      birthPlace
      birthDate
      sex
      address { id street rt rw village { id code name } district { id name } regency { id name } province { id name } postalCode }
      family { id kk members { id nik name relationship isSelf } }
    }
  }
  fragment CitizenCard on Me { id name }
`;

const ME_SHORT = gql`query MeShort { me { id name occupation } }`;

const SERVICES = gql`
  query Services {
    lifeEvents { id name }
    services(first: 5) { totalCount edges { cursor node { id name agency channel } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
  }
`;

const SERVICE = gql`
  query Service($id: ID!) {
    service(id: $id) {
      id name description fee processingDays
      fields { id name label help type required minLength maxLength minDate maxDate options { id value label } }
      eligibility { id eligible reasons { field code message } }
    }
  }
`;

const SUBMIT = gql`
  mutation Submit($input: SubmitServiceRequestInput!) {
    submitServiceRequest(input: $input) { case { id number status statusLabel } userErrors { field code message } }
  }
`;

const CASES = gql`
  query Cases {
    cases(first: 20) {
      totalCount
      edges { cursor node { id number status statusLabel updatedAt service { id name } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

const CASE = gql`
  query Case($id: ID!) {
    case(id: $id) {
      id number status statusLabel cancellable agencyRef
      fields { id name value }
      history { id at status label source message skipped }
      delivery { id state attempts }
    }
  }
`;

const REGISTER = gql`
  mutation Register($input: RegisterDeviceInput!) {
    registerDevice(input: $input) { device { id platform locale appVersion } userErrors { field code message } }
  }
`;

const DEVICES = gql`query Devices { devices { id platform appVersion lastSeen } }`;

const INBOX = gql`
  query Inbox {
    notifications(first: 20) {
      totalCount unreadCount
      edges { cursor node { id caseId status title body read createdAt case { id status } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const MARK_READ = gql`
  mutation MarkRead($ids: [ID!]) { markNotificationsRead(ids: $ids) { marked unreadCount } }
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const todayInJakarta = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta" }).format(new Date());

// session is what the app does; live, it waits for the agency between polls.
async function session(client, live) {
  const query = async (q, variables) => (await client.query({ query: q, variables, fetchPolicy: "network-only" })).data;
  const mutate = async (m, variables) => (await client.mutate({ mutation: m, variables })).data;

  await query(HOME);
  await query(PROFILE);
  await query(SERVICES);
  await query(SERVICE, { id: "lost-item-report" });
  const submitted = await mutate(SUBMIT, {
    input: {
      serviceId: "lost-item-report",
      idempotencyKey: `cache-check-${Date.now()}`,
      fields: [
        { name: "itemType", value: "KTP" },
        { name: "lostOn", value: todayInJakarta() },
        { name: "location", value: "Pasar Minggu, Jakarta Selatan" },
      ],
    },
  });
  const { case: created, userErrors } = submitted.submitServiceRequest;
  if (!created || userErrors.length) throw new Error(`submitServiceRequest: ${JSON.stringify(userErrors)}`);
  await query(CASES);
  // The police simulator moves the case a step every SATUPINTU_SIM_STEP.
  let detail = await query(CASE, { id: created.id });
  for (let i = 0; i < 60 && ["SUBMITTED", "FORWARDED"].includes(detail.case.status); i++) {
    if (live) await sleep(500);
    detail = await query(CASE, { id: created.id });
  }
  await query(CASES);
  await mutate(REGISTER, { input: { token: "cache-check-fcm-token", platform: "ANDROID", locale: "en", appVersion: "2.3.0" } });
  await query(DEVICES);
  const inbox = await query(INBOX);
  const first = inbox.notifications.edges[0];
  if (first) await mutate(MARK_READ, { ids: [first.node.id] });
  await query(INBOX);
  // The screens again: the same objects, read again and in other shapes.
  await query(HOME);
  await query(PROFILE);
  await query(ME_SHORT);
  await query(CASE, { id: created.id });
}

function newClient(link, policies) {
  return new ApolloClient({ link, cache: new InMemoryCache(policies ? { typePolicies } : {}) });
}

// replaying answers each operation with the recorded result of the same name, in order.
function replaying(recorded) {
  let i = 0;
  return new ApolloLink((operation) => {
    const r = recorded[i++];
    if (!r || r.operationName !== operation.operationName) {
      throw new Error(`replay: operation ${i} is ${operation.operationName}, the recording has ${r && r.operationName}`);
    }
    return of(r.result);
  });
}

async function record(url) {
  const base = url.replace(/\/+$/, "");
  const res = await fetch(`${base}/dev/token`, { method: "POST", body: JSON.stringify({ nik: "3174011505800001" }) });
  if (!res.ok) throw new Error(`POST ${base}/dev/token: HTTP ${res.status}`);
  const { access_token: token } = await res.json();
  const recorded = [];
  const recorder = new ApolloLink((operation, forward) =>
    forward(operation).pipe(tap((result) => recorded.push({ operationName: operation.operationName, result }))),
  );
  const http = new HttpLink({ uri: `${base}/graphql`, headers: { authorization: `Bearer ${token}`, "accept-language": "en" } });
  const client = newClient(ApolloLink.from([recorder, http]), false);
  await session(client, true);
  if (process.argv.includes("--record")) {
    writeFileSync(fixture, JSON.stringify(recorded, null, 1) + "\n");
    console.log(`recorded ${recorded.length} operations from ${base} into fixtures/session.json`);
  }
  return { client, recorded };
}

const isWrapper = (t) => /(Connection|Edge|Payload)$/.test(t) || ["PageInfo", "UserError", "CaseUpdate"].includes(t);

// checkCache: one citizen object, and no object without an id kept inline
// but containers.
function checkCache(label, cache) {
  const data = cache.extract();
  const mes = Object.keys(data).filter((k) => data[k].__typename === "Me");
  const rootMe = data.ROOT_QUERY?.me?.__ref;
  const home = data.ROOT_QUERY?.home?.__ref;
  const homeMe = home && data[home]?.me?.__ref;
  if (mes.length !== 1 || rootMe !== mes[0] || homeMe !== mes[0]) {
    fail(`${label}: the citizen is ${mes.length} objects (${mes}); me → ${rootMe}, home.me → ${homeMe}: want one`);
  }
  const walk = (where, v) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(`${where}[${i}]`, x));
    if (!v || typeof v !== "object" || v.__ref) return;
    if (v.__typename && !isWrapper(v.__typename)) fail(`${label}: ${where} keeps a ${v.__typename} inline: it has no id`);
    for (const [k, x] of Object.entries(v)) if (k !== "__typename") walk(`${where}.${k}`, x);
  };
  let entities = 0;
  for (const [key, entity] of Object.entries(data)) {
    entities++;
    for (const [field, v] of Object.entries(entity)) if (field !== "__typename") walk(`${key}.${field}`, v);
  }
  console.log(`${label}: ${entities} normalized objects, the citizen one of them (${mes[0]})`);
}

function checkLogged(label, from) {
  const mine = logged.slice(from);
  if (mine.length) fail(`${label}: Apollo logged ${mine.length} warnings or errors:\n  ${mine.join("\n  ")}`);
}

// A list that gets shorter: Apollo warns by its rule for arrays, ids or
// not, unless the field has a merge policy. The policy check runs first:
// Apollo warns once per field and process.
function checkShrinkingList(recorded) {
  const home = recorded.find((r) => r.operationName === "Home").result.data;
  if (home.home.alerts.length < 1) return fail("the recorded home has no alert to take away");
  const fewer = structuredClone(home);
  fewer.home.alerts = fewer.home.alerts.slice(1);
  const shorten = (policies) => {
    const from = logged.length;
    const cache = new InMemoryCache(policies ? { typePolicies } : {});
    cache.writeQuery({ query: HOME, data: home });
    cache.writeQuery({ query: HOME, data: fewer });
    return logged.splice(from).filter((l) => l.includes("Cache data may be lost"));
  };
  const withPolicies = shorten(true);
  if (withPolicies.length) fail(`a shorter home.alerts with typePolicies.mjs: ${withPolicies}`);
  const without = shorten(false);
  if (!without.length) {
    fail("a shorter home.alerts without type policies: no warning; Apollo's rule changed, and typePolicies.mjs may no longer be needed");
  } else {
    console.log("a shorter home.alerts: Apollo warns without a merge policy, not with typePolicies.mjs");
  }
}

// Every list of objects on an object with an id (or on Query), and every
// connection, has a policy in typePolicies.mjs.
function checkPoliciesCoverSchema() {
  const schema = buildSchema(readFileSync(snapshot, "utf8"));
  const missing = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    if (type.name !== "Query" && !type.getFields().id) continue;
    for (const field of Object.values(type.getFields())) {
      const t = getNullableType(field.type);
      const list = isListType(t) && isCompositeType(getNamedType(t));
      const connection = getNamedType(t).name.endsWith("Connection");
      if ((list || connection) && !typePolicies[type.name]?.fields?.[field.name]) missing.push(`${type.name}.${field.name}`);
    }
  }
  if (missing.length) fail(`typePolicies.mjs has no policy for: ${missing.join(", ")}`);
  else console.log("typePolicies.mjs covers every list and connection of the released schema");
}

const live = process.argv.indexOf("--live");
let recorded;
let from = logged.length;
if (live >= 0) {
  const url = process.argv[live + 1] || "http://localhost:8080";
  const { client } = await record(url).then((r) => ((recorded = r.recorded), r));
  checkLogged(`live session against ${url}`, from);
  checkCache("live session", client.cache);
} else {
  recorded = JSON.parse(readFileSync(fixture, "utf8"));
  const client = newClient(replaying(recorded), false);
  await session(client, false);
  checkLogged("recorded session", from);
  checkCache("recorded session", client.cache);
}
from = logged.length;
const withPolicies = newClient(replaying(recorded), true);
await session(withPolicies, false);
checkLogged("the session with typePolicies.mjs", from);
checkCache("the session with typePolicies.mjs", withPolicies.cache);
checkShrinkingList(recorded);
checkPoliciesCoverSchema();

if (failures.length) {
  console.log(`\n${failures.length} failed`);
  process.exit(1);
}
console.log("ok");
