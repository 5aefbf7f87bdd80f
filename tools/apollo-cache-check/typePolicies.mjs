// Type policies for Apollo Client's InMemoryCache with satupintu: copy this
// file into your app. Every object satupintu returns has an id, so the cache
// normalizes it without help; these policies only say how lists merge.
//
// - satupintu always sends a plain list whole: a newer one replaces the older
//   (merge: false). Without this Apollo warns "Cache data may be lost" when a
//   list gets shorter (an alert dealt with, a ticket paid, a device removed),
//   even though each element is normalized: its own rule for arrays.
// - Connections page with Relay cursors: relayStylePagination appends the
//   pages fetchMore reads, keyed by the filter arguments.
//
// check.mjs fails when a list field of the schema has no policy here.
import { relayStylePagination } from "@apollo/client/utilities";

const replace = { merge: false };

export const typePolicies = {
  Query: {
    fields: {
      cases: relayStylePagination(["status"]),
      notifications: relayStylePagination(["unreadOnly"]),
      services: relayStylePagination(["search", "lifeEvent"]),
      dataAccessLog: relayStylePagination(["filter"]),
      documentShares: relayStylePagination(),
      consents: replace,
      dataExports: replace,
      devices: replace,
      documents: replace,
      lifeEvents: replace,
      mandates: replace,
      nodes: replace,
    },
  },
  Home: { fields: { alerts: replace, sources: replace } },
  Family: { fields: { members: replace } },
  Health: { fields: { immunizations: replace } },
  Education: { fields: { students: replace } },
  Police: { fields: { licences: replace, certificates: replace, unpaidTickets: replace } },
  Social: { fields: { programmes: replace, disbursements: replace } },
  Case: { fields: { fields: replace, history: replace } },
  Service: { fields: { lifeEvents: replace, fields: replace } },
  ServiceField: { fields: { options: replace } },
  Eligibility: { fields: { reasons: replace } },
  Document: { fields: { claims: replace } },
  PrivacySummary: { fields: { agencies: replace } },
  // Another person's records: keyed by the nik argument of Query.subject.
  Subject: { fields: { cases: relayStylePagination(["status"]), documents: replace } },
  Mandate: { fields: { actions: replace } },
};
