package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// TrustedMode is what happens to an operation no manifest lists.
type TrustedMode string

const (
	// TrustedOff runs any operation (APQ registers new ones).
	TrustedOff TrustedMode = "off"
	// TrustedLog runs it, logs it and counts it
	// (satupintu_graphql_untrusted_operations_total).
	TrustedLog TrustedMode = "log"
	// TrustedEnforce refuses it with PERSISTED_QUERY_NOT_ALLOWED before
	// anything runs; APQ may not register new queries.
	TrustedEnforce TrustedMode = "enforce"
)

// ParseTrustedMode reads off, log or enforce.
func ParseTrustedMode(s string) (TrustedMode, error) {
	switch m := TrustedMode(s); m {
	case TrustedOff, TrustedLog, TrustedEnforce:
		return m, nil
	}
	return "", fmt.Errorf("must be off, log or enforce")
}

// TrustedDocuments are the operations the apps ship, from their persisted
// query manifests, by id: the sha256 of the operation's text.
type TrustedDocuments struct {
	byID map[string]TrustedOperation
}

// TrustedOperation is one operation of a manifest.
type TrustedOperation struct {
	ID   string // hex sha256 of Body
	Name string
	Type string // query, mutation or subscription
	Body string
	File string // the manifest it came from
}

// manifest is Apollo's persisted query manifest, as Apollo Kotlin, Apollo
// iOS and @apollo/generate-persisted-query-manifest write it.
type manifest struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Operations []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	} `json:"operations"`
}

// LoadTrustedDocuments reads the manifests at paths and checks every
// operation against schema: each must parse, validate, be one operation of
// its declared name and type, and have the sha256 of its body as id. An
// error names the file and the operation. Two manifests may list the same
// operation (two apps share it).
func LoadTrustedDocuments(schema *ast.Schema, paths []string) (*TrustedDocuments, error) {
	t := &TrustedDocuments{byID: map[string]TrustedOperation{}}
	var errs []error
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("trusted documents: %w", err))
			continue
		}
		var m manifest
		if err := json.Unmarshal(b, &m); err != nil {
			errs = append(errs, fmt.Errorf("trusted documents %s: not a persisted query manifest: %w", path, err))
			continue
		}
		if m.Format != "apollo-persisted-query-manifest" || m.Version != 1 {
			errs = append(errs, fmt.Errorf(`trusted documents %s: format %q version %d; want "apollo-persisted-query-manifest" version 1`, path, m.Format, m.Version))
			continue
		}
		file := filepath.Base(path)
		for i, o := range m.Operations {
			op := TrustedOperation{ID: strings.ToLower(o.ID), Name: o.Name, Type: o.Type, Body: o.Body, File: file}
			if err := op.check(schema); err != nil {
				errs = append(errs, fmt.Errorf("trusted documents %s: operation %d %q (id %s): %w", path, i+1, o.Name, short(o.ID), err))
				continue
			}
			t.byID[op.ID] = op
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// check validates one operation against the schema.
func (o TrustedOperation) check(schema *ast.Schema) error {
	if sum := sha256Hex(o.Body); o.ID != sum {
		return fmt.Errorf("the id is not the sha256 of the body (%s)", short(sum))
	}
	doc, err := parser.ParseQuery(&ast.Source{Name: o.Name, Input: o.Body})
	if err != nil {
		return err
	}
	if errs := validator.Validate(schema, doc); len(errs) > 0 {
		return errs
	}
	if len(doc.Operations) != 1 {
		return fmt.Errorf("the body holds %d operations; a manifest entry is one", len(doc.Operations))
	}
	op := doc.Operations[0]
	if op.Name != o.Name {
		return fmt.Errorf("the body's operation is named %q", op.Name)
	}
	if string(op.Operation) != o.Type {
		return fmt.Errorf("the body is a %s, the manifest says %q", op.Operation, o.Type)
	}
	return nil
}

// Lookup returns the operation with id (a hex sha256).
func (t *TrustedDocuments) Lookup(id string) (TrustedOperation, bool) {
	if t == nil {
		return TrustedOperation{}, false
	}
	o, ok := t.byID[strings.ToLower(id)]
	return o, ok
}

// Len is how many operations the manifests hold.
func (t *TrustedDocuments) Len() int {
	if t == nil {
		return 0
	}
	return len(t.byID)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// short is a hash as a person reads it in a message.
func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
