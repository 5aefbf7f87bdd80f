// Package satupintu is the vocabulary every layer shares: the identifiers
// of Indonesian civil life (NIK, KK, NISN, region codes), dates in WIB,
// languages and bilingual texts, the agencies, and the one error code type.
//
// What the agencies know about a citizen (the read model) is in readmodel/;
// cases, notifications and the stores build on this vocabulary.
package satupintu
