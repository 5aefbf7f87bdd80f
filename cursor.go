package satupintu

import (
	"cmp"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Position is where an item sorts in a newest-first listing (a citizen's
// cases, an inbox): by creation to the millisecond, then by id. Its cursor
// is the one format every store engine reads, so a cursor outlives a
// change of engine.
type Position struct {
	Ms int64
	ID string
}

// PositionOf is the position of an item created at created.
func PositionOf(created time.Time, id string) Position {
	return Position{Ms: created.UnixMilli(), ID: id}
}

// Compare orders positions oldest first.
func (p Position) Compare(o Position) int {
	return cmp.Or(cmp.Compare(p.Ms, o.Ms), strings.Compare(p.ID, o.ID))
}

// Cursor is base64url("<ms>:<id>").
func (p Position) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.Ms, 10) + ":" + p.ID))
}

// ErrBadCursor is a cursor this API did not make.
var ErrBadCursor = Errorf(CodeInvalidInput, "after is not a cursor from this list")

// ParsePosition reads a cursor made by Cursor; "" is the start (ok false).
func ParsePosition(s string) (p Position, ok bool, err error) {
	if s == "" {
		return Position{}, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	ms, id, cut := strings.Cut(string(b), ":")
	if err == nil && cut && id != "" {
		if p.Ms, err = strconv.ParseInt(ms, 10, 64); err == nil {
			p.ID = id
			return p, true, nil
		}
	}
	return Position{}, false, ErrBadCursor
}

// PageSize is how many items a page of a listing holds at most when first
// are asked for: def when first is not positive, never more than most.
func PageSize(first, def, most int) int {
	if first <= 0 {
		return def
	}
	return min(first, most)
}
