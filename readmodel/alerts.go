package readmodel

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	sp "github.com/satupintu/satupintu"
)

// AlertKind names what an alert is about. The values are part of the
// GraphQL schema (enum AlertKind).
type AlertKind string

const (
	AlertSIMExpiring           AlertKind = "SIM_EXPIRING"
	AlertBPJSInactive          AlertKind = "BPJS_INACTIVE"
	AlertBPJSArrears           AlertKind = "BPJS_ARREARS"
	AlertPIPActivation         AlertKind = "PIP_ACTIVATION"
	AlertETLEConfirmation      AlertKind = "ETLE_CONFIRMATION"
	AlertDisbursementScheduled AlertKind = "DISBURSEMENT_SCHEDULED"
)

// Severity orders alerts on the home screen.
type Severity string

const (
	SeverityUrgent  Severity = "URGENT"
	SeverityWarning Severity = "WARNING"
	SeverityInfo    Severity = "INFO"
)

var severityRank = map[Severity]int{SeverityUrgent: 0, SeverityWarning: 1, SeverityInfo: 2}

// Alert is something the citizen should act on or know, derived from what
// the agencies hold.
type Alert struct {
	ID        string // stable across requests, so the app can dismiss it
	Kind      AlertKind
	Severity  Severity
	Agency    sp.Agency
	Title     sp.Text
	Message   sp.Text
	DueDate   sp.Date // zero when there is none
	ServiceID string  // the catalog service that resolves it, if any
	DeepLink  string
}

// Windows within which a coming date becomes an alert.
const (
	ETLEWarningWindow  = 3  // days before the confirmation deadline
	DisbursementWindow = 30 // days ahead
)

// Snapshot is what the agencies answered; a nil part is an agency that
// failed or does not know the citizen, and yields no alert.
type Snapshot struct {
	Membership *Membership
	Students   []StudentRecord
	Police     *PoliceRecord
	Welfare    *Welfare
}

// Alerts derives the home screen's alerts, most pressing first.
func Alerts(s Snapshot, today sp.Date) []Alert {
	var out []Alert
	if s.Police != nil {
		out = append(out, licenceAlerts(s.Police.Licences, today)...)
		out = append(out, ticketAlerts(s.Police.Tickets, today)...)
	}
	if m := s.Membership; m != nil {
		out = append(out, membershipAlerts(*m)...)
	}
	out = append(out, pipAlerts(s.Students, today)...)
	if s.Welfare != nil {
		out = append(out, disbursementAlerts(s.Welfare.Disbursements, today)...)
	}
	slices.SortStableFunc(out, func(a, b Alert) int {
		if c := cmp.Compare(severityRank[a.Severity], severityRank[b.Severity]); c != 0 {
			return c
		}
		return cmp.Compare(a.DueDate.String(), b.DueDate.String())
	})
	return out
}

func licenceAlerts(ls []DrivingLicence, today sp.Date) []Alert {
	var out []Alert
	for _, l := range ls {
		days := today.DaysUntil(l.ExpiresOn)
		if days > SIMRenewalWindow {
			continue
		}
		a := Alert{
			ID: "sim:" + l.Number, Kind: AlertSIMExpiring, Agency: sp.AgencyPolice, DueDate: l.ExpiresOn,
			ServiceID: "sim-renewal", DeepLink: "satupintu://police/licences/" + l.Number,
			Severity: SeverityWarning,
			Title:    sp.Text{ID: "SIM " + l.Class + " segera habis masa berlaku", EN: "Driving licence " + l.Class + " expires soon"},
			Message: sp.Text{
				ID: fmt.Sprintf("SIM %s Anda berlaku sampai %s (%d hari lagi). Perpanjang secara online sekarang.", l.Class, dateID(l.ExpiresOn), days),
				EN: fmt.Sprintf("Your class %s licence is valid until %s (%d days left). Renew it online now.", l.Class, dateEN(l.ExpiresOn), days),
			},
		}
		if days < 0 {
			a.Severity = SeverityUrgent
			a.Title = sp.Text{ID: "SIM " + l.Class + " sudah habis masa berlaku", EN: "Driving licence " + l.Class + " has expired"}
			a.Message = sp.Text{
				ID: fmt.Sprintf("SIM %s Anda habis masa berlaku pada %s. Ajukan perpanjangan.", l.Class, dateID(l.ExpiresOn)),
				EN: fmt.Sprintf("Your class %s licence expired on %s. Apply for a renewal.", l.Class, dateEN(l.ExpiresOn)),
			}
		} else if days <= 14 {
			a.Severity = SeverityUrgent
		}
		out = append(out, a)
	}
	return out
}

func ticketAlerts(ts []TrafficTicket, today sp.Date) []Alert {
	var out []Alert
	for _, t := range ts {
		if t.Status != TicketUnconfirmed {
			continue
		}
		days := today.DaysUntil(t.ConfirmBy)
		if days > ETLEWarningWindow {
			continue
		}
		sev := SeverityWarning
		if days <= 1 {
			sev = SeverityUrgent
		}
		out = append(out, Alert{
			ID: "etle:" + t.Number, Kind: AlertETLEConfirmation, Severity: sev, Agency: sp.AgencyPolice,
			DueDate: t.ConfirmBy, DeepLink: "satupintu://police/tickets/" + t.Number,
			Title: sp.Text{ID: "Konfirmasi tilang elektronik " + t.Plate, EN: "Confirm the camera ticket for " + t.Plate},
			Message: sp.Text{
				ID: fmt.Sprintf("Konfirmasi pelanggaran paling lambat %s, atau STNK kendaraan %s akan diblokir. Denda %s.", dateID(t.ConfirmBy), t.Plate, rupiah(t.Fine)),
				EN: fmt.Sprintf("Confirm the violation by %s or the registration of %s will be blocked. Fine %s.", dateEN(t.ConfirmBy), t.Plate, rupiah(t.Fine)),
			},
		})
	}
	return out
}

func membershipAlerts(m Membership) []Alert {
	base := Alert{Agency: sp.AgencyBPJS, DeepLink: "satupintu://health/bpjs"}
	switch {
	case !m.Active():
		a := base
		a.ID, a.Kind, a.Severity = "bpjs:inactive", AlertBPJSInactive, SeverityUrgent
		a.Title = sp.Text{ID: "BPJS Kesehatan Anda tidak aktif", EN: "Your BPJS health cover is inactive"}
		a.Message = sp.Text{
			ID: fmt.Sprintf("Status kepesertaan: %s. Layanan kesehatan tidak dijamin sampai kepesertaan aktif kembali.", m.Status.Label),
			EN: fmt.Sprintf("Membership status: %s. Care is not covered until the membership is active again.", m.Status.Label),
		}
		if m.Arrears > 0 {
			a.Message.ID += fmt.Sprintf(" Lunasi tunggakan iuran %s.", rupiah(m.Arrears))
			a.Message.EN += fmt.Sprintf(" Pay the premium arrears of %s.", rupiah(m.Arrears))
		}
		return []Alert{a}
	case m.Arrears > 0:
		a := base
		a.ID, a.Kind, a.Severity = "bpjs:arrears", AlertBPJSArrears, SeverityWarning
		a.Title = sp.Text{ID: "Tunggakan iuran BPJS Kesehatan", EN: "BPJS premium arrears"}
		a.Message = sp.Text{
			ID: fmt.Sprintf("Ada tunggakan iuran %s. Lunasi agar kepesertaan tetap aktif.", rupiah(m.Arrears)),
			EN: fmt.Sprintf("There are premium arrears of %s. Pay them to keep the membership active.", rupiah(m.Arrears)),
		}
		return []Alert{a}
	}
	return nil
}

func pipAlerts(ss []StudentRecord, today sp.Date) []Alert {
	var out []Alert
	for _, s := range ss {
		p := s.PIP
		if p == nil || p.Stage != PIPNominated || p.Deadline.IsZero() || today.DaysUntil(p.Deadline) < 0 {
			continue
		}
		days := today.DaysUntil(p.Deadline)
		sev := SeverityWarning
		if days <= 7 {
			sev = SeverityUrgent
		}
		name := firstName(s.Name)
		out = append(out, Alert{
			ID: "pip:" + string(s.NISN), Kind: AlertPIPActivation, Severity: sev, Agency: sp.AgencyEducation,
			DueDate: p.Deadline, ServiceID: "pip-activation", DeepLink: "satupintu://education/pip/" + string(s.NISN),
			Title: sp.Text{ID: "Aktifkan rekening PIP " + name, EN: "Activate " + name + "'s PIP account"},
			Message: sp.Text{
				ID: fmt.Sprintf("%s dinominasikan menerima PIP %s per tahun. Aktifkan rekening di %s sebelum %s.", name, rupiah(p.AnnualAmount), p.Bank, dateID(p.Deadline)),
				EN: fmt.Sprintf("%s is nominated for PIP aid of %s a year. Activate the account at %s before %s.", name, rupiah(p.AnnualAmount), p.Bank, dateEN(p.Deadline)),
			},
		})
	}
	return out
}

func disbursementAlerts(ds []Disbursement, today sp.Date) []Alert {
	var out []Alert
	for _, d := range ds {
		days := today.DaysUntil(d.Date)
		if d.Status != DisbursementScheduled || days < 0 || days > DisbursementWindow {
			continue
		}
		out = append(out, Alert{
			ID: "aid:" + d.ID, Kind: AlertDisbursementScheduled, Severity: SeverityInfo, Agency: sp.AgencySocial,
			DueDate: d.Date, DeepLink: "satupintu://social/disbursements/" + d.ID,
			Title: sp.Text{ID: fmt.Sprintf("Penyaluran %s %s dijadwalkan", d.Programme, d.Period), EN: fmt.Sprintf("%s %s payment scheduled", d.Programme, d.Period)},
			Message: sp.Text{
				ID: fmt.Sprintf("Bantuan %s sebesar %s disalurkan pada %s melalui %s.", d.Programme, rupiah(d.Amount), dateID(d.Date), d.Channel),
				EN: fmt.Sprintf("%s aid of %s will be paid on %s through %s.", d.Programme, rupiah(d.Amount), dateEN(d.Date), d.Channel),
			},
		})
	}
	return out
}

var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

func dateID(d sp.Date) string { return fmt.Sprintf("%d %s %d", d.Day, monthsID[d.Month-1], d.Year) }
func dateEN(d sp.Date) string { return fmt.Sprintf("%d %s %d", d.Day, d.Month, d.Year) }

// rupiah formats an amount the Indonesian way: Rp1.750.000.
func rupiah(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return "Rp" + b.String()
}

func firstName(full string) string {
	f, _, _ := strings.Cut(full, " ")
	if f == "" {
		return full
	}
	return strings.ToUpper(f[:1]) + strings.ToLower(f[1:])
}
