// Package satupintu holds the domain of the satupintu BFF: the identifiers of
// Indonesian civil life (NIK, KK, NISN, region codes), the records each agency
// keeps about a citizen, and the one error taxonomy every layer shares.
//
// Packages below it implement or consume these types: integrations/* fetch
// them from agencies, records/ assembles them per request, resolvers/ maps them
// to GraphQL, server/ maps errors to HTTP.
package satupintu
