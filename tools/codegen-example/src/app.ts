// The generated types in use: this file only has to compile.
import { HomeScreenDocument, SubmitRequestDocument, type UserErrorCode } from "./gql/graphql";
import type { ResultOf, VariablesOf } from "@graphql-typed-document-node/core";

type Home = ResultOf<typeof HomeScreenDocument>["home"];

export function greeting(home: Home): string {
  return home.name ? `Halo, ${home.name}` : "Halo";
}

export const submission: VariablesOf<typeof SubmitRequestDocument> = {
  input: { serviceId: "lost-item-report", idempotencyKey: "2f1c7a4e-0b7d-4c55-9d2e-3f0a1e6b9c11", fields: [] },
};

export function canRetry(code: UserErrorCode): boolean {
  return code !== "IDEMPOTENCY_KEY_REUSED";
}
