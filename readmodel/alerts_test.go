package readmodel_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// today is the day every rule is judged on: a fixed date, so that the
// boundaries below are exact.
var today = sp.Date{Year: 2026, Month: time.March, Day: 2}

// in is the date n days from today (before it when n < 0).
func in(n int) sp.Date { return today.AddDays(n) }

func licence(days int) readmodel.Snapshot {
	return readmodel.Snapshot{Police: &readmodel.PoliceRecord{Licences: []readmodel.DrivingLicence{
		{Number: "1234-5678-000123", Class: "C", ExpiresOn: in(days)},
	}}}
}

func ticket(status readmodel.TicketStatus, days int) readmodel.Snapshot {
	return readmodel.Snapshot{Police: &readmodel.PoliceRecord{Tickets: []readmodel.TrafficTicket{
		{Number: "ETLE-0001", Plate: "B 1234 XYZ", ConfirmBy: in(days), Fine: 500000, Status: status},
	}}}
}

func membership(statusCode string, arrears int64) readmodel.Snapshot {
	label := map[string]string{"0": "AKTIF", "1": "TIDAK AKTIF"}[statusCode]
	return readmodel.Snapshot{Membership: &readmodel.Membership{
		CardNumber: "0001234567890", Status: readmodel.Coded{Code: statusCode, Label: label}, Arrears: arrears,
	}}
}

func pip(stage readmodel.PIPStage, deadline sp.Date) readmodel.Snapshot {
	return readmodel.Snapshot{Students: []readmodel.StudentRecord{{
		NISN: "0123456781", Name: "RIZKY PRATAMA", Relation: readmodel.StudentChild,
		PIP: &readmodel.PIPStatus{Stage: stage, Deadline: deadline, Eligible: true, AnnualAmount: 450000, Bank: "BNI"},
	}}}
}

func disbursement(status readmodel.DisbursementStatus, days int) readmodel.Snapshot {
	return readmodel.Snapshot{Welfare: &readmodel.Welfare{Decile: 2, Disbursements: []readmodel.Disbursement{
		{ID: "PKH-2026-1", Programme: readmodel.ProgrammePKH, Period: "Tahap 1 2026", Amount: 750000,
			Date: in(days), Status: status, Channel: "KKS Bank Mandiri"},
	}}}
}

// only is the one alert snap yields today.
func only(t *testing.T, snap readmodel.Snapshot) readmodel.Alert {
	t.Helper()
	got := readmodel.Alerts(snap, today)
	if len(got) != 1 {
		t.Fatalf("%d alerts %+v, want 1", len(got), got)
	}
	return got[0]
}

// fires is the alert a row expects: its kind, severity and due date (dueIn
// days from today; noDue for an alert without one).
type fires struct {
	kind  readmodel.AlertKind
	sev   readmodel.Severity
	dueIn int
}

const noDue = -1 << 30

// TestAlertRules: each rule fires, stays quiet, and changes severity
// exactly at its boundary days.
func TestAlertRules(t *testing.T) {
	var (
		sim      = func(sev readmodel.Severity, d int) *fires { return &fires{readmodel.AlertSIMExpiring, sev, d} }
		etle     = func(sev readmodel.Severity, d int) *fires { return &fires{readmodel.AlertETLEConfirmation, sev, d} }
		pipAlert = func(sev readmodel.Severity, d int) *fires { return &fires{readmodel.AlertPIPActivation, sev, d} }
		aid      = func(d int) *fires { return &fires{readmodel.AlertDisbursementScheduled, readmodel.SeverityInfo, d} }
	)
	urgent, warning := readmodel.SeverityUrgent, readmodel.SeverityWarning
	tests := []struct {
		name string
		snap readmodel.Snapshot
		want *fires // nil: no alert
	}{
		// Driving licence: from SIMRenewalWindow (90) days before expiry;
		// urgent in the last 14 days and once expired.
		{"licence 91 days out", licence(readmodel.SIMRenewalWindow + 1), nil},
		{"licence 90 days out", licence(readmodel.SIMRenewalWindow), sim(warning, 90)},
		{"licence 15 days out", licence(15), sim(warning, 15)},
		{"licence 14 days out", licence(14), sim(urgent, 14)},
		{"licence expires today", licence(0), sim(urgent, 0)},
		{"licence expired yesterday", licence(-1), sim(urgent, -1)},
		{"licence expired a year ago", licence(-365), sim(urgent, -365)},

		// ETLE ticket: unconfirmed only, from 3 days before the deadline;
		// urgent from the day before, and after it.
		{"ticket 4 days out", ticket(readmodel.TicketUnconfirmed, readmodel.ETLEWarningWindow+1), nil},
		{"ticket 3 days out", ticket(readmodel.TicketUnconfirmed, readmodel.ETLEWarningWindow), etle(warning, 3)},
		{"ticket 2 days out", ticket(readmodel.TicketUnconfirmed, 2), etle(warning, 2)},
		{"ticket due tomorrow", ticket(readmodel.TicketUnconfirmed, 1), etle(urgent, 1)},
		{"ticket due today", ticket(readmodel.TicketUnconfirmed, 0), etle(urgent, 0)},
		{"ticket overdue", ticket(readmodel.TicketUnconfirmed, -2), etle(urgent, -2)},
		{"ticket confirmed", ticket(readmodel.TicketConfirmed, 0), nil},
		{"ticket paid", ticket(readmodel.TicketPaid, 0), nil},

		// BPJS: inactive is urgent (arrears or not); active with arrears
		// a warning; active and paid up, nothing.
		{"BPJS active, paid up", membership("0", 0), nil},
		{"BPJS active, in arrears", membership("0", 1), &fires{readmodel.AlertBPJSArrears, warning, noDue}},
		{"BPJS inactive", membership("1", 0), &fires{readmodel.AlertBPJSInactive, urgent, noDue}},
		{"BPJS inactive, in arrears", membership("1", 350000), &fires{readmodel.AlertBPJSInactive, urgent, noDue}},

		// PIP: a nominated student until the activation deadline; urgent
		// in the last 7 days.
		{"PIP deadline in 30 days", pip(readmodel.PIPNominated, in(30)), pipAlert(warning, 30)},
		{"PIP deadline in 8 days", pip(readmodel.PIPNominated, in(8)), pipAlert(warning, 8)},
		{"PIP deadline in 7 days", pip(readmodel.PIPNominated, in(7)), pipAlert(urgent, 7)},
		{"PIP deadline today", pip(readmodel.PIPNominated, in(0)), pipAlert(urgent, 0)},
		{"PIP deadline passed", pip(readmodel.PIPNominated, in(-1)), nil},
		{"PIP nominated, no deadline", pip(readmodel.PIPNominated, sp.Date{}), nil},
		{"PIP already paid", pip(readmodel.PIPPaid, in(3)), nil},
		{"student without PIP", readmodel.Snapshot{Students: []readmodel.StudentRecord{{NISN: "0123456782", Name: "SITI"}}}, nil},

		// Social aid: a scheduled payment within 30 days, for information.
		{"payment in 31 days", disbursement(readmodel.DisbursementScheduled, readmodel.DisbursementWindow+1), nil},
		{"payment in 30 days", disbursement(readmodel.DisbursementScheduled, readmodel.DisbursementWindow), aid(30)},
		{"payment today", disbursement(readmodel.DisbursementScheduled, 0), aid(0)},
		{"payment date passed", disbursement(readmodel.DisbursementScheduled, -1), nil},
		{"payment made", disbursement(readmodel.DisbursementPaid, 5), nil},
		{"payment failed", disbursement(readmodel.DisbursementFailed, 5), nil},

		// An agency that failed or does not know the citizen yields nothing.
		{"nothing known", readmodel.Snapshot{}, nil},
		{"known to the police, nothing due", readmodel.Snapshot{Police: &readmodel.PoliceRecord{}}, nil},
		{"in the register, no payment", readmodel.Snapshot{Welfare: &readmodel.Welfare{Decile: 3}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				if got := readmodel.Alerts(tt.snap, today); len(got) != 0 {
					t.Fatalf("alerts %+v, want none", got)
				}
				return
			}
			a := only(t, tt.snap)
			if a.Kind != tt.want.kind || a.Severity != tt.want.sev {
				t.Errorf("alert %s %s, want %s %s", a.Kind, a.Severity, tt.want.kind, tt.want.sev)
			}
			wantDue := sp.Date{}
			if tt.want.dueIn != noDue {
				wantDue = in(tt.want.dueIn)
			}
			if a.DueDate != wantDue {
				t.Errorf("due %v, want %v", a.DueDate, wantDue)
			}
			if a.Title.ID == "" || a.Title.EN == "" || a.Message.ID == "" || a.Message.EN == "" {
				t.Errorf("title %+v, message %+v: want both languages", a.Title, a.Message)
			}
		})
	}
}

// TestAlertsCarryWhatTheAppNeeds: a stable id to dismiss, the agency, the
// screen to open and the service that resolves it.
func TestAlertsCarryWhatTheAppNeeds(t *testing.T) {
	tests := []struct {
		snap                  readmodel.Snapshot
		id, deepLink, service string
		agency                sp.Agency
	}{
		{licence(30), "sim:1234-5678-000123", "satupintu://police/licences/1234-5678-000123", "sim-renewal", sp.AgencyPolice},
		{ticket(readmodel.TicketUnconfirmed, 2), "etle:ETLE-0001", "satupintu://police/tickets/ETLE-0001", "", sp.AgencyPolice},
		{membership("1", 0), "bpjs:inactive", "satupintu://health/bpjs", "", sp.AgencyBPJS},
		{membership("0", 1), "bpjs:arrears", "satupintu://health/bpjs", "", sp.AgencyBPJS},
		{pip(readmodel.PIPNominated, in(20)), "pip:0123456781", "satupintu://education/pip/0123456781", "pip-activation", sp.AgencyEducation},
		{disbursement(readmodel.DisbursementScheduled, 10), "aid:PKH-2026-1", "satupintu://social/disbursements/PKH-2026-1", "", sp.AgencySocial},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			a := only(t, tt.snap)
			if a.ID != tt.id || a.DeepLink != tt.deepLink || a.ServiceID != tt.service || a.Agency != tt.agency {
				t.Errorf("alert id %q link %q service %q agency %s, want %q %q %q %s",
					a.ID, a.DeepLink, a.ServiceID, a.Agency, tt.id, tt.deepLink, tt.service, tt.agency)
			}
			if again := readmodel.Alerts(tt.snap, today.AddDays(1)); len(again) == 1 && again[0].ID != a.ID {
				t.Errorf("the id changed from one day to the next: %q, then %q", a.ID, again[0].ID)
			}
		})
	}
}

// TestAlertTexts pins the texts a citizen reads, in both languages.
func TestAlertTexts(t *testing.T) {
	tests := []struct {
		name      string
		snap      readmodel.Snapshot
		title     sp.Text
		messageID string
		messageEN string
	}{
		{"licence expiring", licence(30),
			sp.Text{ID: "SIM C segera habis masa berlaku", EN: "Driving licence C expires soon"},
			"SIM C Anda berlaku sampai 1 April 2026 (30 hari lagi). Perpanjang secara online sekarang.",
			"Your class C licence is valid until 1 April 2026 (30 days left). Renew it online now."},
		{"licence expired", licence(-1),
			sp.Text{ID: "SIM C sudah habis masa berlaku", EN: "Driving licence C has expired"},
			"SIM C Anda habis masa berlaku pada 1 Maret 2026. Ajukan perpanjangan.",
			"Your class C licence expired on 1 March 2026. Apply for a renewal."},
		{"ticket", ticket(readmodel.TicketUnconfirmed, 3),
			sp.Text{ID: "Konfirmasi tilang elektronik B 1234 XYZ", EN: "Confirm the camera ticket for B 1234 XYZ"},
			"Konfirmasi pelanggaran paling lambat 5 Maret 2026, atau STNK kendaraan B 1234 XYZ akan diblokir. Denda Rp500.000.",
			"Confirm the violation by 5 March 2026 or the registration of B 1234 XYZ will be blocked. Fine Rp500.000."},
		{"BPJS inactive in arrears", membership("1", 1750000),
			sp.Text{ID: "BPJS Kesehatan Anda tidak aktif", EN: "Your BPJS health cover is inactive"},
			"Status kepesertaan: TIDAK AKTIF. Layanan kesehatan tidak dijamin sampai kepesertaan aktif kembali. Lunasi tunggakan iuran Rp1.750.000.",
			"Membership status: TIDAK AKTIF. Care is not covered until the membership is active again. Pay the premium arrears of Rp1.750.000."},
		{"BPJS inactive", membership("1", 0),
			sp.Text{ID: "BPJS Kesehatan Anda tidak aktif", EN: "Your BPJS health cover is inactive"},
			"Status kepesertaan: TIDAK AKTIF. Layanan kesehatan tidak dijamin sampai kepesertaan aktif kembali.",
			"Membership status: TIDAK AKTIF. Care is not covered until the membership is active again."},
		{"BPJS arrears", membership("0", 35000),
			sp.Text{ID: "Tunggakan iuran BPJS Kesehatan", EN: "BPJS premium arrears"},
			"Ada tunggakan iuran Rp35.000. Lunasi agar kepesertaan tetap aktif.",
			"There are premium arrears of Rp35.000. Pay them to keep the membership active."},
		{"PIP", pip(readmodel.PIPNominated, in(20)),
			sp.Text{ID: "Aktifkan rekening PIP Rizky", EN: "Activate Rizky's PIP account"},
			"Rizky dinominasikan menerima PIP Rp450.000 per tahun. Aktifkan rekening di BNI sebelum 22 Maret 2026.",
			"Rizky is nominated for PIP aid of Rp450.000 a year. Activate the account at BNI before 22 March 2026."},
		{"disbursement", disbursement(readmodel.DisbursementScheduled, 10),
			sp.Text{ID: "Penyaluran PKH Tahap 1 2026 dijadwalkan", EN: "PKH Tahap 1 2026 payment scheduled"},
			"Bantuan PKH sebesar Rp750.000 disalurkan pada 12 Maret 2026 melalui KKS Bank Mandiri.",
			"PKH aid of Rp750.000 will be paid on 12 March 2026 through KKS Bank Mandiri."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := only(t, tt.snap)
			if a.Title != tt.title {
				t.Errorf("title %+v\nwant  %+v", a.Title, tt.title)
			}
			if a.Message.ID != tt.messageID {
				t.Errorf("message (id) %q\nwant         %q", a.Message.ID, tt.messageID)
			}
			if a.Message.EN != tt.messageEN {
				t.Errorf("message (en) %q\nwant         %q", a.Message.EN, tt.messageEN)
			}
		})
	}
}

// TestAlertsMostPressingFirst: by severity, then by due date, every rule
// together.
func TestAlertsMostPressingFirst(t *testing.T) {
	snap := readmodel.Snapshot{
		Police: &readmodel.PoliceRecord{
			Licences: []readmodel.DrivingLicence{
				{Number: "L-far", Class: "A", ExpiresOn: in(60)},  // warning
				{Number: "L-near", Class: "C", ExpiresOn: in(10)}, // urgent
			},
			Tickets: []readmodel.TrafficTicket{
				{Number: "T-1", Plate: "B 1 A", ConfirmBy: in(1), Status: readmodel.TicketUnconfirmed}, // urgent
				{Number: "T-2", Plate: "B 2 A", ConfirmBy: in(3), Status: readmodel.TicketUnconfirmed}, // warning
			},
		},
		Membership: membership("0", 1000).Membership,                         // warning, no due date
		Students:   pip(readmodel.PIPNominated, in(5)).Students,              // urgent
		Welfare:    disbursement(readmodel.DisbursementScheduled, 2).Welfare, // info
	}
	var ids []string
	for _, a := range readmodel.Alerts(snap, today) {
		ids = append(ids, a.ID)
	}
	want := []string{
		"etle:T-1", "pip:0123456781", "sim:L-near", // urgent: due in 1, 5, 10 days
		"bpjs:arrears", "etle:T-2", "sim:L-far", // warning: no due date first, then 3, 60 days
		"aid:PKH-2026-1", // info
	}
	if !slices.Equal(ids, want) {
		t.Errorf("alerts in order\n%s\nwant\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
}
