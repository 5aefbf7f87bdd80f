package privacy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	sp "github.com/satupintu/satupintu"
)

// ExportStatus is where a data export is.
type ExportStatus string

const (
	ExportPreparing  ExportStatus = "PREPARING"
	ExportReady      ExportStatus = "READY"
	ExportDownloaded ExportStatus = "DOWNLOADED"
	ExportExpired    ExportStatus = "EXPIRED"
)

// ExportValidFor is how long a ready export's link works (once).
const ExportValidFor = 24 * time.Hour

// ExportBusyFor is how long a requested export still preparing holds back
// another request (a job that failed for good frees it then).
const ExportBusyFor = time.Hour

// Export is a citizen's request for everything satupintu holds about them.
type Export struct {
	ID           string
	Subject      sp.NIK
	RequestedAt  time.Time
	ReadyAt      time.Time // zero while preparing
	ExpiresAt    time.Time // zero while preparing
	DownloadedAt time.Time // zero until downloaded
	// Token is the download link's secret: set while the export is ready
	// and not downloaded, and shown to its citizen only. Stores keep a hash
	// to find it by and a sealed copy.
	Token string
}

// Status is where e is at now.
func (e Export) Status(now time.Time) ExportStatus {
	switch {
	case e.ReadyAt.IsZero():
		return ExportPreparing
	case !e.DownloadedAt.IsZero():
		return ExportDownloaded
	case !now.Before(e.ExpiresAt):
		return ExportExpired
	}
	return ExportReady
}

// ErrExportGone is a download link used already, or expired: HTTP 410.
var ErrExportGone = errors.New("privacy: the export was downloaded already or has expired")

// Exports keeps data exports until they are downloaded or expire; the
// document is sealed at rest.
type Exports interface {
	// Create stores a new export, preparing (ID, Subject and RequestedAt set).
	Create(ctx context.Context, e Export) error
	// Find returns the export id whoever's it is (the job's way in), or
	// sp.ErrNotFound.
	Find(ctx context.Context, id string) (Export, error)
	// List returns the subject's exports, newest first, with the token of
	// a ready one.
	List(ctx context.Context, subject sp.NIK) ([]Export, error)
	// Complete stores the signed document of export id and makes it ready
	// with token until expiresAt. Completing one completed already changes
	// nothing (a job run twice).
	Complete(ctx context.Context, id string, document []byte, token string, readyAt, expiresAt time.Time) error
	// Take returns the document of the export token names and deletes it,
	// atomically: a second Take of one token is ErrExportGone, as is one
	// after the expiry; a token that names nothing is sp.ErrNotFound.
	Take(ctx context.Context, token string, at time.Time) ([]byte, error)
	// EraseCitizen deletes every export of the subject.
	EraseCitizen(ctx context.Context, subject sp.NIK) (int, error)
	ExportPurger
}

// NewToken is a download link's secret: 256 random bits, base64url.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is what stores find a token by: its SHA-256 (a token is
// random enough that no key is needed).
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
