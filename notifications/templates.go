package notifications

import (
	"strings"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

// agencyNames are the agencies as citizens know them.
var agencyNames = map[sp.Agency]sp.Text{
	sp.AgencyDukcapil:  {ID: "Dukcapil", EN: "the civil registry (Dukcapil)"},
	sp.AgencyBPJS:      {ID: "BPJS Kesehatan", EN: "BPJS Kesehatan"},
	sp.AgencySatuSehat: {ID: "Kementerian Kesehatan", EN: "the Ministry of Health"},
	sp.AgencyEducation: {ID: "Kementerian Pendidikan", EN: "the Ministry of Education"},
	sp.AgencyPolice:    {ID: "Polri", EN: "the police (Polri)"},
	sp.AgencySocial:    {ID: "Kementerian Sosial", EN: "the Ministry of Social Affairs"},
}

// bodies are the push and inbox texts per status. {service} and {agency}
// are filled in: every text names both, so the citizen knows which request
// and who moved it. They say what happened and what to do, never what the
// agency wrote (it may hold health or criminal-record detail): that stays
// in the app, behind sign-in.
var bodies = map[cases.Status]sp.Text{
	// Payments: the bill issued (due), paid (the case goes on), expired.
	cases.StatusAwaitingPay: {
		ID: "Biaya permohonan {service} Anda sudah ditagihkan. Bayar sebelum batas waktunya; buka aplikasi untuk kode billing dan cara bayar.",
		EN: "The fee for your {service} request is due. Pay before the deadline; open the app for the billing code and how to pay."},
	cases.StatusSubmitted: {
		ID: "Pembayaran permohonan {service} Anda sudah diterima; permohonan diteruskan ke {agency}.",
		EN: "Payment for your {service} request was received; it is going to {agency}."},
	cases.StatusPaymentExpired: {
		ID: "Batas waktu pembayaran permohonan {service} Anda habis. Buka aplikasi untuk meminta tagihan baru.",
		EN: "The payment deadline for your {service} request passed. Open the app to ask for a new bill."},
	cases.StatusForwarded: {
		ID: "Permohonan {service} Anda sudah diteruskan ke {agency}.",
		EN: "Your {service} request has been forwarded to {agency}."},
	cases.StatusReceived: {
		ID: "{agency} sudah menerima permohonan {service} Anda.",
		EN: "{agency} has received your {service} request."},
	cases.StatusInReview: {
		ID: "Permohonan {service} Anda sedang diperiksa oleh {agency}.",
		EN: "{agency} is reviewing your {service} request."},
	cases.StatusActionRequired: {
		ID: "{agency} memerlukan kelengkapan dari Anda untuk permohonan {service}. Buka aplikasi untuk melihat caranya.",
		EN: "{agency} needs something from you for your {service} request. Open the app to see what."},
	cases.StatusApproved: {
		ID: "Permohonan {service} Anda disetujui oleh {agency}.",
		EN: "{agency} has approved your {service} request."},
	cases.StatusRejected: {
		ID: "Permohonan {service} Anda ditolak oleh {agency}. Buka aplikasi untuk melihat alasannya.",
		EN: "{agency} has rejected your {service} request. Open the app to see why."},
	cases.StatusCompleted: {
		ID: "Permohonan {service} Anda di {agency} sudah selesai.",
		EN: "Your {service} request to {agency} is complete."},
	cases.StatusCancelled: {
		ID: "Permohonan {service} Anda di {agency} dibatalkan.",
		EN: "Your {service} request to {agency} was cancelled."},
}

// render fills in a template in both languages.
func render(t sp.Text, service sp.Text, a sp.Agency) sp.Text {
	agency := agencyNames[a]
	fill := func(s, svc, ag string) string {
		return strings.NewReplacer("{service}", svc, "{agency}", ag).Replace(s)
	}
	return sp.Text{ID: capitalize(fill(t.ID, service.ID, agency.ID)), EN: capitalize(fill(t.EN, service.EN, agency.EN))}
}

// title is "<service>: <status>", in both languages.
func title(service sp.Text, st cases.Status) sp.Text {
	l := st.Label()
	return sp.Text{ID: service.ID + ": " + l.ID, EN: service.EN + ": " + l.EN}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
