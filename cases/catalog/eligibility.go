package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// Eligibility rule names, as written in catalog.json.
const (
	// RuleSIMRenewalWindow: the citizen holds a licence of the chosen class
	// that expires within SIMRenewalWindow days and has not expired.
	RuleSIMRenewalWindow = "sim-renewal-window"
	// RuleInWelfareRegister: the citizen's household is in DTSEN.
	RuleInWelfareRegister = "in-welfare-register"
	// RulePIPNominated: the NISN is the citizen's or their child's, with PIP
	// stage NOMINATED and the activation deadline not passed.
	RulePIPNominated = "pip-nominated"
	// RuleBPJSActive: the citizen's JKN membership is active.
	RuleBPJSActive = "bpjs-active"
)

// SIMRenewalWindow is how many days before expiry online renewal opens.
const SIMRenewalWindow = 90

// Facts is what the agencies answered about the citizen; only the parts a
// service's Needs names are read.
type Facts struct {
	Licences   []readmodel.DrivingLicence // police; empty when the police hold no licence
	Membership *readmodel.Membership      // BPJS; nil when not a member
	Students   []readmodel.StudentRecord  // education: the citizen's own and their children's records
	Welfare    *readmodel.Welfare         // social; nil when not in the register
	Today      sp.Date                    // the day of the request (WIB); today when zero
}

// Needs says which agencies' data a service's eligibility rules read, so
// the caller asks only those.
type Needs struct {
	Police, BPJS, Education, Social bool
}

func (n Needs) or(m Needs) Needs {
	return Needs{n.Police || m.Police, n.BPJS || m.BPJS, n.Education || m.Education, n.Social || m.Social}
}

type rule struct {
	needs Needs
	field string // a required field the rule reads, "" for none
	check func(fields map[string]string, f Facts) *UserError
	// candidates are the values of field the citizen could choose (the
	// licence classes they hold, their family's NISNs), for judging
	// eligibility before the form is filled.
	candidates func(f Facts) []string
}

var rules = map[string]rule{
	RuleSIMRenewalWindow: {needs: Needs{Police: true}, field: "licenceClass", check: simRenewalWindow,
		candidates: func(f Facts) []string {
			var out []string
			for _, l := range f.Licences {
				out = append(out, l.Class)
			}
			return out
		}},
	RuleInWelfareRegister: {needs: Needs{Social: true}, check: inWelfareRegister},
	RulePIPNominated: {needs: Needs{Education: true}, field: "nisn", check: pipNominated,
		candidates: func(f Facts) []string {
			var out []string
			for _, s := range f.Students {
				out = append(out, string(s.NISN))
			}
			return out
		}},
	RuleBPJSActive: {needs: Needs{BPJS: true}, check: bpjsActive},
}

// EligibleForSome judges eligibility before the form is filled: a rule
// that reads a field passes when some value the citizen could choose
// passes it. It returns the reasons the citizen cannot apply at all.
func (s *Service) EligibleForSome(f Facts) []UserError {
	if f.Today.IsZero() {
		f.Today = sp.DateOf(time.Now())
	}
	var out []UserError
	for _, name := range s.Eligibility {
		r := rules[name]
		var values []string
		if r.candidates != nil {
			values = r.candidates(f)
		}
		if len(values) == 0 {
			values = []string{""}
		}
		var first *UserError
		for _, v := range values {
			e := r.check(map[string]string{r.field: v}, f)
			if e == nil {
				first = nil
				break
			}
			if first == nil {
				first = e
			}
		}
		if first != nil {
			out = append(out, *first)
		}
	}
	return out
}

func ruleNames() []string { return slices.Sorted(maps.Keys(rules)) }

// Needs returns the agency data the service's rules read, and the
// education records its NISN person fields are resolved through.
func (s *Service) Needs() Needs {
	var n Needs
	for _, name := range s.Eligibility {
		n = n.or(rules[name].needs)
	}
	for _, f := range s.PersonFields() {
		if f.Person.Identifier == IdentifierNISN {
			n.Education = true
		}
	}
	return n
}

// CheckEligibility runs the service's rules over the agency facts and
// returns a NOT_ELIGIBLE error for each rule that fails, with the reason
// and what to do. Call it after Validate, with the same fields.
func (s *Service) CheckEligibility(fields map[string]string, f Facts) []UserError {
	if f.Today.IsZero() {
		f.Today = sp.DateOf(time.Now())
	}
	fields = s.Normalize(fields)
	var errs []UserError
	for _, name := range s.Eligibility {
		if e := rules[name].check(fields, f); e != nil {
			errs = append(errs, *e)
		}
	}
	return errs
}

func notEligible(field, id, en string) *UserError {
	return &UserError{Field: field, Code: CodeNotEligible, Message: sp.Text{ID: id, EN: en}}
}

func simRenewalWindow(fields map[string]string, f Facts) *UserError {
	if len(f.Licences) == 0 {
		return notEligible("",
			"Kepolisian tidak mencatat SIM atas nama Anda, jadi tidak ada yang dapat diperpanjang online. Buat SIM baru di Satpas Polres.",
			"The police have no driving licence on record for you, so there is nothing to renew online. Apply for a new licence at a Satpas office.")
	}
	class := fields["licenceClass"]
	var held *readmodel.DrivingLicence
	var classes []string
	for i := range f.Licences {
		l := &f.Licences[i]
		if !slices.Contains(classes, l.Class) {
			classes = append(classes, l.Class)
		}
		// Of two licences of one class, the newer decides.
		if strings.EqualFold(l.Class, class) && (held == nil || held.ExpiresOn.Before(l.ExpiresOn)) {
			held = l
		}
	}
	if held == nil {
		list := strings.Join(classes, ", ")
		return notEligible("licenceClass",
			fmt.Sprintf("Anda tidak memiliki SIM %s yang tercatat di kepolisian; SIM Anda: %s. Pilih golongan SIM yang Anda miliki.", class, list),
			fmt.Sprintf("You hold no class %s licence on police record; your licences: %s. Choose a class you hold.", class, list))
	}
	days := f.Today.DaysUntil(held.ExpiresOn)
	until := dateText(held.ExpiresOn)
	switch {
	case days < 0:
		return notEligible("licenceClass",
			fmt.Sprintf("SIM %s Anda sudah habis masa berlakunya pada %s dan tidak dapat diperpanjang online; buat SIM baru di Satpas Polres.", held.Class, until.ID),
			fmt.Sprintf("Your class %s licence expired on %s and cannot be renewed online; apply for a new licence at a Satpas office.", held.Class, until.EN))
	case days > SIMRenewalWindow:
		opens := dateText(held.ExpiresOn.AddDays(-SIMRenewalWindow))
		return notEligible("licenceClass",
			fmt.Sprintf("Perpanjangan SIM online dibuka %d hari sebelum masa berlaku habis; SIM %s Anda berlaku sampai %s, jadi ajukan mulai %s.", SIMRenewalWindow, held.Class, until.ID, opens.ID),
			fmt.Sprintf("Online renewal opens %d days before a licence expires; your class %s licence is valid until %s, so apply from %s.", SIMRenewalWindow, held.Class, until.EN, opens.EN))
	}
	return nil
}

func inWelfareRegister(_ map[string]string, f Facts) *UserError {
	if f.Welfare != nil && f.Welfare.Decile > 0 {
		return nil
	}
	return notEligible("",
		"Keluarga Anda belum terdaftar di Data Tunggal Sosial dan Ekonomi Nasional (DTSEN), dan bantuan ini hanya untuk keluarga yang terdaftar. Ajukan usulan pendaftaran lewat layanan Sanggahan atau usulan data DTSEN, atau ke kantor desa/kelurahan.",
		"Your household is not in the national social and economic register (DTSEN), and this aid is only for registered households. Ask to be added with the DTSEN appeal or proposal service, or at your village office.")
}

func pipNominated(fields map[string]string, f Facts) *UserError {
	nisn := fields["nisn"]
	var st *readmodel.StudentRecord
	for i := range f.Students {
		s := &f.Students[i]
		if string(s.NISN) == nisn && (s.Relation == readmodel.StudentSelf || s.Relation == readmodel.StudentChild) {
			st = s
			break
		}
	}
	if st == nil {
		return notEligible("nisn",
			fmt.Sprintf("NISN %s tidak ditemukan di data siswa Anda atau anak Anda. Periksa NISN di kartu pelajar atau rapor, atau tanyakan ke sekolah.", nisn),
			fmt.Sprintf("NISN %s is not among your or your children's student records. Check the NISN on the student card or report, or ask the school.", nisn))
	}
	pip := st.PIP
	switch {
	case pip == nil:
		return notEligible("nisn",
			"Siswa dengan NISN ini tidak tercatat sebagai calon penerima PIP, jadi tidak ada rekening yang perlu diaktifkan. Tanyakan ke sekolah bila merasa berhak.",
			"The student with this NISN is not on record for PIP, so there is no account to activate. Ask the school if you think the student qualifies.")
	case pip.Stage == readmodel.PIPPaid:
		return notEligible("nisn",
			"Dana PIP untuk NISN ini sudah disalurkan (SK Pemberian); rekening tidak perlu diaktifkan lagi. Cek saldo di bank penyalur.",
			"PIP funds for this NISN have already been paid (SK Pemberian); the account needs no activation. Check the balance at the paying bank.")
	case pip.Stage != readmodel.PIPNominated:
		return notEligible("nisn",
			"PIP untuk NISN ini tidak dalam tahap nominasi (SK Nominasi), jadi aktivasi rekening tidak dapat diajukan. Tanyakan ke sekolah atau dinas pendidikan.",
			"PIP for this NISN is not at the nomination stage (SK Nominasi), so account activation cannot be requested. Ask the school or the education office.")
	case !pip.Deadline.IsZero() && pip.Deadline.Before(f.Today):
		d := dateText(pip.Deadline)
		return notEligible("nisn",
			fmt.Sprintf("Batas aktivasi rekening PIP untuk NISN ini sudah lewat (%s). Minta sekolah mengusulkan ulang ke dinas pendidikan.", d.ID),
			fmt.Sprintf("The PIP account activation deadline for this NISN has passed (%s). Ask the school to nominate the student again through the education office.", d.EN))
	}
	return nil
}

func bpjsActive(_ map[string]string, f Facts) *UserError {
	m := f.Membership
	if m == nil {
		return notEligible("",
			"Anda belum terdaftar sebagai peserta JKN BPJS Kesehatan. Daftar dulu lewat aplikasi Mobile JKN atau kantor cabang BPJS Kesehatan.",
			"You are not a member of JKN (BPJS Kesehatan). Register first in the Mobile JKN app or at a BPJS Kesehatan branch office.")
	}
	if m.Active() {
		return nil
	}
	status := m.Status.Label
	if status == "" {
		status = m.Status.Code
	}
	id := fmt.Sprintf("Kepesertaan JKN Anda tidak aktif (status: %s)", status)
	en := fmt.Sprintf("Your JKN membership is not active (status: %s)", status)
	if m.Arrears > 0 {
		r := rupiah(m.Arrears)
		id += fmt.Sprintf(" dan ada tunggakan iuran %s", r.ID)
		en += fmt.Sprintf(" and %s of premiums are unpaid", r.EN)
	}
	return notEligible("",
		id+". Aktifkan kembali dulu di kantor cabang BPJS Kesehatan (lihat layanan Aktivasi kembali kepesertaan JKN).",
		en+". Reactivate it first at a BPJS Kesehatan branch office (see the JKN membership reactivation service).")
}
