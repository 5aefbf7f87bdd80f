package resolvers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/model"
)

// page reads a Relay page request over an offset list.
func page(after *string, first *int, most int) (start, n int, err error) {
	n = 20
	if first != nil {
		n = *first
	}
	if n < 0 || n > most {
		return 0, 0, sp.Errorf(sp.CodeInvalidInput, "first must be between 0 and %d", most)
	}
	if after != nil && *after != "" {
		i, ok := parseOffsetCursor(*after)
		if !ok {
			return 0, 0, sp.Errorf(sp.CodeInvalidInput, "after is not a cursor from this list")
		}
		start = i + 1
	}
	return start, n, nil
}

func offsetCursor(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("o:%d", i)))
}

func parseOffsetCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "o:") {
		return 0, false
	}
	i, err := strconv.Atoi(string(b[2:]))
	return i, err == nil && i >= 0
}

// pageSize reads a page size between 0 and most, def by default (the
// limits the listing port declares).
func pageSize(first *int, def, most int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 0 || *first > most {
		return 0, sp.Errorf(sp.CodeInvalidInput, "first must be between 0 and %d", most)
	}
	return *first, nil
}

// pageInfo is the Relay page information of a page whose edges have
// cursors. A page asked for after a cursor has items before it (at least
// the one the cursor names).
func pageInfo(cursors []string, previous, next bool) *model.PageInfo {
	p := &model.PageInfo{HasPreviousPage: previous, HasNextPage: next}
	if k := len(cursors); k > 0 {
		p.StartCursor, p.EndCursor = &cursors[0], &cursors[k-1]
	}
	return p
}

// pageAfter stands for a next page's cursor when an empty page was asked
// for: only whether there is one matters.
func pageAfter(more bool) string {
	if more {
		return "more"
	}
	return ""
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func positive(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
