package privacy

import (
	"errors"
	"fmt"
	"time"
)

// Limits of a consent's members.
const (
	MaxRecipientLength = 128
)

// ErrInvalidConsent is a consent an engine refuses to store.
var ErrInvalidConsent = errors.New("privacy: invalid consent")

// NormalizeConsent checks c and returns it as every engine stores it: an
// id assigned when it has none, times to the microsecond in UTC, the
// categories in display order.
func NormalizeConsent(c Consent) (Consent, error) {
	bad := func(format string, a ...any) (Consent, error) {
		return Consent{}, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConsent}, a...)...)
	}
	switch {
	case c.Subject == "":
		return bad("no subject")
	case c.Recipient == "" || len(c.Recipient) > MaxRecipientLength:
		return bad("recipient must be 1-%d bytes", MaxRecipientLength)
	case c.Purpose == "" || len(c.Purpose) > MaxPurposeLength:
		return bad("purpose must be 1-%d bytes", MaxPurposeLength)
	case len(c.Categories) == 0:
		return bad("no category")
	case c.GrantedAt.IsZero():
		return bad("no grant time")
	case !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(c.GrantedAt):
		return bad("it expires before it is granted")
	case !c.WithdrawnAt.IsZero():
		return bad("a new consent cannot be withdrawn already")
	}
	cats, badCat := inOrder(c.Categories)
	if badCat != "" {
		return bad("category %q", badCat)
	}
	c.Categories = cats
	if c.ID == "" {
		c.ID = NewID()
	}
	c.GrantedAt = Micro(c.GrantedAt)
	c.ExpiresAt = Micro(c.ExpiresAt)
	return c, nil
}

// Micro is t as engines keep it: to the microsecond in UTC, zero kept zero.
func Micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}
