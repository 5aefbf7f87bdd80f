package privacy

import (
	"context"
	"fmt"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
)

// CitizenEraser deletes everything of one kind a store keeps about a
// citizen (their devices, their inbox) and says how much.
type CitizenEraser interface {
	EraseCitizen(ctx context.Context, citizen sp.NIK) (int, error)
}

// CacheForgetter deletes the cached copies of one agency's records about
// a citizen.
type CacheForgetter interface {
	Forget(ctx context.Context, citizen sp.NIK) (int, error)
}

// Eraser is deleteMyData: it erases what satupintu keeps about a citizen
// for convenience, and keeps what the law requires (Retention.Kept).
type Eraser struct {
	Devices CitizenEraser
	Inbox   CitizenEraser
	Exports Exports
	Caches  []CacheForgetter
	// Shares erases the citizen's document share history; the access
	// log keeps that a verifier saw a share.
	Shares    CitizenEraser
	Log       Log
	Retention Retention
}

// Erasure is what Erase did, and what stays.
type Erasure struct {
	Devices, Notifications, CachedReads, Exports, Shares int
	Kept                                                 []sp.Text
	Message                                              sp.Text
}

// Erase erases the subject's convenience data on the actor's request, at
// now, and logs it (satupintu's own processing, a legal obligation: UU PDP
// art. 8, the right to erasure). A store that fails stops it: what was
// erased stays erased, and the citizen asks again.
func (x *Eraser) Erase(ctx context.Context, subject sp.NIK, actor Actor, now time.Time) (Erasure, error) {
	var out Erasure
	var err error
	if out.Devices, err = x.Devices.EraseCitizen(ctx, subject); err != nil {
		return Erasure{}, fmt.Errorf("erasing devices: %w", err)
	}
	if out.Notifications, err = x.Inbox.EraseCitizen(ctx, subject); err != nil {
		return Erasure{}, fmt.Errorf("erasing the inbox: %w", err)
	}
	if out.Exports, err = x.Exports.EraseCitizen(ctx, subject); err != nil {
		return Erasure{}, fmt.Errorf("erasing data exports: %w", err)
	}
	for _, c := range x.Caches {
		n, err := c.Forget(ctx, subject)
		if err != nil {
			return Erasure{}, fmt.Errorf("erasing cached agency records: %w", err)
		}
		out.CachedReads += n
	}
	if x.Shares != nil {
		if out.Shares, err = x.Shares.EraseCitizen(ctx, subject); err != nil {
			return Erasure{}, fmt.Errorf("erasing the share history: %w", err)
		}
	}
	if err := x.Log.Record(ctx, Entry{At: now, Subject: subject, Actor: actor, Categories: AgencyCategories(),
		Purpose: PurposeErase, LegalBasis: BasisLegalObligation}); err != nil {
		return Erasure{}, err
	}
	out.Kept = x.Retention.Kept()
	n := strconv.Itoa(out.Devices + out.Notifications + out.CachedReads + out.Exports + out.Shares)
	out.Message = sp.Text{
		ID: "Data yang disimpan satupintu untuk kemudahan Anda telah dihapus (" + n + " butir): perangkat terdaftar, kotak masuk, salinan data instansi, salinan data Anda dan riwayat berbagi dokumen. Yang wajib disimpan menurut hukum tetap disimpan, selama waktu yang disebutkan.",
		EN: "What satupintu kept for your convenience has been erased (" + n + " items): registered devices, the inbox, cached agency records, your data exports and the document share history. What the law requires stays, for as long as stated.",
	}
	return out, nil
}
