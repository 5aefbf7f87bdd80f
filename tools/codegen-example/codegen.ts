// GraphQL Code Generator: TypeScript types and typed documents for the
// app's operations (src/**/*.graphql), from the schema of a running
// satupintu, read by introspection (dev mode).
//
//   go run ./cmd/satupintu &   # from the repository root
//   export TOKEN=$(curl -s -X POST localhost:8080/dev/token -d '{"nik":"3174011505800001"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
//   npm ci && npm run codegen
import type { CodegenConfig } from "@graphql-codegen/cli";

const endpoint = process.env.GRAPHQL_URL ?? "http://localhost:8080/graphql";

const config: CodegenConfig = {
  schema: [{ [endpoint]: { headers: { Authorization: `Bearer ${process.env.TOKEN ?? ""}` } } }],
  documents: ["src/**/*.graphql"],
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        // satupintu's scalars travel as strings (see their descriptions).
        scalars: {
          NIK: "string",
          KK: "string",
          NISN: "string",
          RegionCode: "string",
          Date: "string",
          DateTime: "string",
        },
        strictScalars: true,
        enumsAsTypes: true,
      },
    },
    // The schema as SDL too, for editors and for reviewing what changed.
    "schema.graphql": { plugins: ["schema-ast"] },
  },
};

export default config;
