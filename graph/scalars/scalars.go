// Package scalars marshals satupintu's own GraphQL scalars (NIK, KK, NISN,
// RegionCode, Date, DateTime) to and from the domain types. Input is checked
// with the domain parsers, so a malformed identifier never reaches a
// resolver.
package scalars

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	sp "github.com/satupintu/satupintu"
)

func quoted(s string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(s)) })
}

func inputString(v any, scalar string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string", scalar)
	}
	return s, nil
}

func MarshalNIK(n sp.NIK) graphql.Marshaler { return quoted(string(n)) }

func UnmarshalNIK(v any) (sp.NIK, error) {
	s, err := inputString(v, "NIK")
	if err != nil {
		return "", err
	}
	return sp.ParseNIK(s)
}

func MarshalKK(k sp.KK) graphql.Marshaler { return quoted(string(k)) }

func UnmarshalKK(v any) (sp.KK, error) {
	s, err := inputString(v, "KK")
	if err != nil {
		return "", err
	}
	return sp.ParseKK(s)
}

func MarshalNISN(n sp.NISN) graphql.Marshaler { return quoted(string(n)) }

func UnmarshalNISN(v any) (sp.NISN, error) {
	s, err := inputString(v, "NISN")
	if err != nil {
		return "", err
	}
	return sp.ParseNISN(s)
}

func MarshalRegionCode(r sp.RegionCode) graphql.Marshaler { return quoted(string(r)) }

func UnmarshalRegionCode(v any) (sp.RegionCode, error) {
	s, err := inputString(v, "RegionCode")
	if err != nil {
		return "", err
	}
	return sp.ParseRegionCode(s)
}

// MarshalDate writes null for the zero Date, so an optional date bound to a
// value type reads as absent.
func MarshalDate(d sp.Date) graphql.Marshaler {
	if d.IsZero() {
		return graphql.Null
	}
	return quoted(d.String())
}

func UnmarshalDate(v any) (sp.Date, error) {
	s, err := inputString(v, "Date")
	if err != nil {
		return sp.Date{}, err
	}
	return sp.ParseDate(s)
}

// MarshalDateTime writes RFC 3339 in WIB; null for the zero time.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return quoted(t.In(sp.Jakarta).Format(time.RFC3339))
}

func UnmarshalDateTime(v any) (time.Time, error) {
	s, err := inputString(v, "DateTime")
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("DateTime must be RFC 3339, such as 2026-11-23T09:00:00+07:00")
	}
	return t, nil
}
