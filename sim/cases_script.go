package sim

import "strings"

// A case script is the fixed list of events an agency simulator emits for a
// case, one per step. It depends only on the forward (service and fields),
// so a run is reproducible: a tester picks the outcome by what they type.

// scriptStep is one event of a script: its status and the message the
// citizen reads (Bahasa Indonesia, as the agency would write it).
type scriptStep struct {
	status  string
	message string
}

var (
	stepReceived       = scriptStep{"RECEIVED", "Permohonan telah diterima dan terdaftar di instansi."}
	stepInReview       = scriptStep{"IN_REVIEW", "Berkas sedang diverifikasi oleh petugas."}
	stepActionRequired = scriptStep{"ACTION_REQUIRED", "Lengkapi berkas: unggah pas foto berwarna 4x6 latar merah dan surat pengantar dari kelurahan."}
	stepReviewAgain    = scriptStep{"IN_REVIEW", "Berkas tambahan diterima dan sedang diverifikasi ulang."}
	stepApproved       = scriptStep{"APPROVED", "Permohonan disetujui."}
	stepApprovedExams  = scriptStep{"APPROVED", "Pemohon lulus ujian teori dan praktik; SIM dicetak setelah PNBP dibayar."}
	stepRejected       = scriptStep{"REJECTED", "Permohonan ditolak karena persyaratan tidak terpenuhi."}
	stepCompleted      = scriptStep{"COMPLETED", "Permohonan selesai; dokumen dapat diambil atau diunduh."}
)

// scriptFor chooses the script of a forward. For an SKCK application the
// field purpose steers it: "tolak" (reject) ends in REJECTED, "lengkapi"
// (complete) asks the citizen for documents once; anything else goes
// straight to COMPLETED. A new driving licence (sim-new), whose fee is due
// after approval, ends at APPROVED: the police do not complete it
// themselves; satupintu does once the fee is paid (api/agency.yaml).
func scriptFor(serviceID string, fields map[string]string) []scriptStep {
	if serviceID == "sim-new" {
		return []scriptStep{stepReceived, stepInReview, stepApprovedExams}
	}
	if serviceID == "skck-application" {
		purpose := strings.ToLower(fields["purpose"])
		switch {
		case strings.Contains(purpose, "tolak"):
			return []scriptStep{stepReceived, stepInReview, stepRejected}
		case strings.Contains(purpose, "lengkapi"):
			return []scriptStep{stepReceived, stepInReview, stepActionRequired, stepReviewAgain, stepApproved, stepCompleted}
		}
	}
	return []scriptStep{stepReceived, stepInReview, stepApproved, stepCompleted}
}
