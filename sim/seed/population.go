package seed

import (
	"fmt"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// PopulationNote is the Note of every citizen of the synthetic load
// population, so a load generator can tell them from the named ten.
const PopulationNote = "synthetic load-test citizen"

// Population returns n synthetic citizens for load tests, in households
// (a head, often a spouse, school children), each known to every agency
// it plausibly would be: the civil registry, BPJS, SATUSEHAT, the social
// register for the household, the police for adults, the education
// registry for children. Some carry what makes a home-screen alert (a
// licence expiring, a ticket to confirm, an inactive membership, a PIP
// nomination, an aid payment due), so alert derivation runs too.
//
// The same today and n give the same people; the first m people of
// Population(today, n) are Population(today, m). NIKs are structurally
// valid, distinct, and distinct from the named citizens (serials 6000
// and up; the named ones are below 100).
func Population(today sp.Date, n int) []*Person {
	out := make([]*Person, 0, n)
	var adults, children int
	for h := 0; len(out) < n; h++ {
		hh := newHousehold(today, h)
		for _, role := range hh.roles() {
			if len(out) == n {
				break
			}
			var p *Person
			if role == readmodel.RelationshipChild {
				p = hh.child(len(out), children)
				children++
			} else {
				p = hh.adult(len(out), adults, role)
				adults++
			}
			out = append(out, p)
		}
	}
	return out
}

// AddPopulation adds Population(s.Today, n) to the seed.
func (s *Seed) AddPopulation(n int) {
	for _, p := range Population(s.Today, n) {
		if s.byNIK[p.NIK] != nil {
			continue // cannot happen: serials differ from the named citizens'
		}
		s.People = append(s.People, p)
		s.byNIK[p.NIK] = p
	}
}

// district is an invented-but-plausible place for a household.
type district struct {
	province, regency, district, village readmodel.Region
	city, postal, clinic, clinicCode     string
	satpas                               string
}

func place(prov, provName, reg, regName, dist, distName, vil, vilName, postal, clinicCode, satpas string) district {
	return district{
		city:     strings.TrimPrefix(strings.TrimPrefix(regName, "KOTA ADM. "), "KOTA "),
		province: readmodel.Region{Code: sp.RegionCode(prov), Name: provName},
		regency:  readmodel.Region{Code: sp.RegionCode(reg), Name: regName},
		district: readmodel.Region{Code: sp.RegionCode(dist), Name: distName},
		village:  readmodel.Region{Code: sp.RegionCode(vil), Name: vilName},
		postal:   postal, clinic: "PUSKESMAS " + distName, clinicCode: clinicCode, satpas: satpas,
	}
}

var districts = []district{
	place("31", "DKI JAKARTA", "31.74", "KOTA ADM. JAKARTA SELATAN", "31.74.02", "SETIABUDI", "31.74.02.1001", "KARET", "12920", "0120B021", "SATPAS DAAN MOGOT"),
	place("32", "JAWA BARAT", "32.73", "KOTA BANDUNG", "32.73.02", "SUKASARI", "32.73.02.1003", "GEGERKALONG", "40153", "0418B012", "SATPAS POLRESTABES BANDUNG"),
	place("35", "JAWA TIMUR", "35.78", "KOTA SURABAYA", "35.78.02", "GENTENG", "35.78.02.1001", "EMBONG KALIASIN", "60271", "1302B014", "SATPAS COLOMBO SURABAYA"),
	place("33", "JAWA TENGAH", "33.74", "KOTA SEMARANG", "33.74.01", "SEMARANG TENGAH", "33.74.01.1002", "PEKUNDEN", "50134", "1120B003", "SATPAS POLRESTABES SEMARANG"),
	place("12", "SUMATERA UTARA", "12.71", "KOTA MEDAN", "12.71.01", "MEDAN KOTA", "12.71.01.1003", "PASAR BARU", "20212", "0201B007", "SATPAS POLRESTABES MEDAN"),
	place("64", "KALIMANTAN TIMUR", "64.71", "KOTA BALIKPAPAN", "64.71.02", "BALIKPAPAN KOTA", "64.71.02.1001", "KLANDASAN ILIR", "76113", "1604B002", "SATPAS POLRESTA BALIKPAPAN"),
	place("73", "SULAWESI SELATAN", "73.71", "KOTA MAKASSAR", "73.71.02", "MARISO", "73.71.02.1001", "MARISO", "90121", "1707B004", "SATPAS POLRESTABES MAKASSAR"),
	place("51", "BALI", "51.71", "KOTA DENPASAR", "51.71.02", "DENPASAR SELATAN", "51.71.02.1001", "SESETAN", "80223", "1703B009", "SATPAS POLRESTA DENPASAR"),
}

var (
	menNames    = []string{"AHMAD", "BAMBANG", "DEDI", "EKO", "FAJAR", "HENDRA", "IRWAN", "JOKO", "KURNIA", "RUDI", "SURYA", "TAUFIK"}
	womenNames  = []string{"AYU", "DIAN", "FITRI", "INDAH", "LESTARI", "MAYA", "NURUL", "PUTRI", "RATNA", "WULAN", "YANTI", "ZAHRA"}
	familyNames = []string{"SAPUTRA", "HIDAYAT", "SETIAWAN", "PRATAMA", "NUGROHO", "WIBOWO", "KUSUMA", "HARAHAP", "SIREGAR", "GUNAWAN", "HALIM", "SUHARTO"}
	jobs        = []string{"KARYAWAN SWASTA", "WIRASWASTA", "PEGAWAI NEGERI SIPIL", "PEDAGANG", "GURU", "BURUH HARIAN LEPAS", "PETANI/PEKEBUN", "SOPIR"}
)

// household is what the members of household h share.
type household struct {
	h       int
	today   sp.Date
	kk      sp.KK
	place   district
	address readmodel.Address
	family  string
	decile  int // 1 (poorest) … 10
	welfare *readmodel.Welfare
}

func newHousehold(today sp.Date, h int) *household {
	pl := districts[h%len(districts)]
	// KK: district, a data-entry date and a serial; (date, serial) is
	// unique per household.
	entry := sp.Date{Year: 2010, Month: time.January, Day: 1}.AddDays(h % 3000)
	kk := sp.KK(fmt.Sprintf("%s%02d%02d%02d%04d", digits(pl.district.Code), entry.Day, int(entry.Month), entry.Year%100, 1000+h/3000))
	hh := &household{h: h, today: today, kk: kk, place: pl, family: familyNames[(h/len(districts))%len(familyNames)],
		decile: 1 + (h*7)%10}
	hh.address = readmodel.Address{
		Street: fmt.Sprintf("JL. MERDEKA GG. %d NO. %d", 1+h%17, 1+h%89), RT: fmt.Sprintf("%03d", 1+h%12), RW: fmt.Sprintf("%03d", 1+h%9),
		Village: pl.village, District: pl.district, Regency: pl.regency, Province: pl.province, PostalCode: pl.postal,
	}
	hh.welfare = hh.newWelfare()
	return hh
}

// roles are the members of the household, head first: four kinds of
// household in turn (couple with two children, couple with one, a single
// adult, a couple).
func (hh *household) roles() []readmodel.Relationship {
	head, spouse, child := readmodel.RelationshipHead, readmodel.RelationshipSpouse, readmodel.RelationshipChild
	switch hh.h % 4 {
	case 0:
		return []readmodel.Relationship{head, spouse, child, child}
	case 1:
		return []readmodel.Relationship{head, spouse, child}
	case 2:
		return []readmodel.Relationship{head}
	}
	return []readmodel.Relationship{head, spouse}
}

// nik builds a NIK from the household's district, a birth date and a
// serial from 6000 up.
func (hh *household) nik(born sp.Date, female bool, serial int) sp.NIK {
	day := born.Day
	if female {
		day += 40
	}
	return sp.NIK(fmt.Sprintf("%s%02d%02d%02d%04d", digits(hh.place.district.Code), day, int(born.Month), born.Year%100, serial))
}

// spread maps k onto 0..m-1 one to one within each block of m (m must be
// coprime with 7919), so neighbours get dates far apart.
func spread(k, m int) int { return (k % m) * 7919 % m }

// adult is person i, the a-th adult of the population. Adults are born
// 1960-1992: (birth date, serial) is unique among adults.
func (hh *household) adult(i, a int, role readmodel.Relationship) *Person {
	const days = 12000
	born := sp.Date{Year: 1960, Month: time.January, Day: 1}.AddDays(spread(a, days))
	female := role == readmodel.RelationshipSpouse || (hh.h%4 == 2 && hh.h%8 == 6)
	given := menNames[(i/3)%len(menNames)]
	sex := readmodel.SexMale
	if female {
		given, sex = womenNames[(i/3)%len(womenNames)], readmodel.SexFemale
	}
	marital := "KAWIN"
	if hh.h%4 == 2 {
		marital = "BELUM KAWIN"
	}
	p := &Person{
		Citizen: readmodel.Citizen{NIK: hh.nik(born, female, 6000+a/days), KK: hh.kk, Name: given + " " + hh.family,
			BirthPlace: hh.place.city, BirthDate: born, Sex: sex, Religion: religion(hh.h),
			MaritalStatus: marital, Occupation: jobs[i%len(jobs)], Address: hh.address},
		Relationship: role,
		Note:         PopulationNote,
		BPJS:         hh.membership(i),
		SatuSehat: &SatuSehat{IHSNumber: fmt.Sprintf("P9%010d", i), Immunizations: []readmodel.Immunization{
			immunization(i, 1, "93001302", "Vaksin COVID-19 (Sinovac)", "IM-Lanjutan", sp.Date{Year: 2021, Month: time.July, Day: 1 + i%28}, 1, hh.place.clinic),
		}},
		Police:  hh.police(i, born),
		Welfare: hh.welfare,
	}
	return p
}

// child is person i, the c-th child: born 2008-2018, a pupil.
func (hh *household) child(i, c int) *Person {
	const days = 3989 // prime, so spread is one to one
	born := sp.Date{Year: 2008, Month: time.January, Day: 1}.AddDays(spread(c, days))
	female := i%2 == 1
	given, sex := menNames[(i+5)%len(menNames)], readmodel.SexMale
	if female {
		given, sex = womenNames[(i+5)%len(womenNames)], readmodel.SexFemale
	}
	p := &Person{
		Citizen: readmodel.Citizen{NIK: hh.nik(born, female, 6000+c/days), KK: hh.kk, Name: given + " " + hh.family,
			BirthPlace: hh.place.city, BirthDate: born, Sex: sex, Religion: religion(hh.h),
			MaritalStatus: "BELUM KAWIN", Occupation: "PELAJAR/MAHASISWA", Address: hh.address},
		Relationship: readmodel.RelationshipChild,
		Note:         PopulationNote,
		BPJS:         hh.membership(i),
		SatuSehat:    &SatuSehat{IHSNumber: fmt.Sprintf("P9%010d", i), Immunizations: childhood(i, born, hh.place.clinic)},
		Student:      hh.student(i, born),
		Welfare:      hh.welfare,
	}
	return p
}

func religion(h int) string {
	return []string{"ISLAM", "ISLAM", "ISLAM", "KRISTEN", "ISLAM", "KATOLIK", "ISLAM", "HINDU"}[h%8]
}

// membership: PBI for the poorest households, an inactive self-paying
// membership in arrears for one household in thirteen.
func (hh *household) membership(i int) *BPJS {
	active := readmodel.Coded{Code: "0", Label: "AKTIF"}
	kind := readmodel.Coded{Code: "13", Label: "PEGAWAI SWASTA"}
	class := readmodel.Coded{Code: "1", Label: "KELAS I"}
	var arrears int64
	switch {
	case hh.decile <= 3:
		kind, class = readmodel.Coded{Code: "21", Label: "PBI (APBN)"}, readmodel.Coded{Code: "3", Label: "KELAS III"}
	case hh.h%13 == 5:
		kind, class = readmodel.Coded{Code: "14", Label: "PEKERJA MANDIRI"}, readmodel.Coded{Code: "2", Label: "KELAS II"}
		active = readmodel.Coded{Code: "6", Label: "NON AKTIF KARENA PREMI"}
		arrears = int64(150000 * (1 + hh.h%9))
	case hh.decile <= 6:
		class = readmodel.Coded{Code: "2", Label: "KELAS II"}
	}
	return &BPJS{Membership: readmodel.Membership{CardNumber: fmt.Sprintf("1%012d", i), Class: class, ParticipantType: kind,
		Status: active, PrimaryClinic: readmodel.Coded{Code: hh.place.clinicCode, Label: hh.place.clinic}, Arrears: arrears,
		CoverageStart: sp.Date{Year: 2014 + hh.h%10, Month: time.January, Day: 1}, CoverageEnd: sp.Date{Year: 2099, Month: time.December, Day: 31}}}
}

func immunization(i, k int, code, vaccine, reason string, on sp.Date, dose int, facility string) readmodel.Immunization {
	reasons := "http://terminology.kemkes.go.id/CodeSystem/immunization-reason"
	display := map[string]string{"IM-Dasar": "Imunisasi Program Rutin Dasar", "IM-Lanjutan": "Imunisasi Program Rutin Lanjutan"}[reason]
	return readmodel.Immunization{ID: fmt.Sprintf("imm-pop-%d-%d", i, k),
		Vaccine: readmodel.Coding{System: "http://sys-ids.kemkes.go.id/kfa", Code: code, Display: vaccine},
		Reason:  readmodel.Coding{System: reasons, Code: reason, Display: display}, Date: on, DoseNumber: dose,
		Status: "completed", Facility: facility}
}

func childhood(i int, born sp.Date, facility string) []readmodel.Immunization {
	return []readmodel.Immunization{
		immunization(i, 1, "93000101", "Vaksin BCG", "IM-Dasar", born.AddDays(30), 1, facility),
		immunization(i, 2, "93000203", "Vaksin Polio Oral (bOPV)", "IM-Dasar", born.AddDays(60), 1, facility),
		immunization(i, 3, "93000310", "Vaksin DPT-HB-Hib", "IM-Dasar", born.AddDays(60), 1, facility),
		immunization(i, 4, "93000310", "Vaksin DPT-HB-Hib", "IM-Dasar", born.AddDays(90), 2, facility),
		immunization(i, 5, "93000412", "Vaksin Campak Rubela (MR)", "IM-Dasar", born.AddDays(270), 1, facility),
	}
}

// police: most adults hold a SIM C, some a SIM A too; one in six has a
// licence expiring within 90 days, one in nine an ETLE ticket to confirm,
// one in five a valid SKCK. Adults without any of these are known with
// empty lists.
func (hh *household) police(i int, born sp.Date) *readmodel.PoliceRecord {
	rel := hh.today.AddDays
	rec := &readmodel.PoliceRecord{}
	if i%7 == 3 {
		return rec
	}
	expires := 200 + (i*37)%1500
	if i%6 == 1 {
		expires = 10 + (i*13)%80
	}
	number := func(class int) string {
		return fmt.Sprintf("%02d%02d-%02d%02d-%06d", class, born.Month, born.Day, born.Year%100, i%1000000)
	}
	rec.Licences = append(rec.Licences, readmodel.DrivingLicence{Number: number(12), Class: "C", IssuedOn: rel(expires - 1826),
		ExpiresOn: rel(expires), Office: hh.place.satpas})
	if i%3 == 0 {
		rec.Licences = append(rec.Licences, readmodel.DrivingLicence{Number: number(80), Class: "A", IssuedOn: rel(expires - 1826),
			ExpiresOn: rel(expires), Office: hh.place.satpas})
	}
	if i%5 == 2 {
		rec.Certificates = append(rec.Certificates, readmodel.PoliceCertificate{Number: fmt.Sprintf("SKCK/YANMAS/%d/2026/POLRES", 5000+i),
			Purpose: "Melamar pekerjaan", Level: "POLRES", IssuedOn: rel(-(i % 150)), ValidUntil: rel(180 - i%150)})
	}
	if i%9 == 4 {
		plate := fmt.Sprintf("B %d %s", 1000+i%9000, []string{"ABC", "KTX", "PQR", "TBT"}[i%4])
		rec.Tickets = append(rec.Tickets, readmodel.TrafficTicket{Number: fmt.Sprintf("ETLE-LG-%07d", i), Plate: plate,
			Violation: "Melanggar rambu lalu lintas (Pasal 287 ayat 1 UU LLAJ)", Location: "JL. JEND. SUDIRMAN",
			OccurredAt: rel(-5).Time().Add(time.Duration(7+i%12) * time.Hour), ConfirmBy: rel(1 + i%3), Fine: 250000 + int64(i%3)*250000,
			Status: readmodel.TicketUnconfirmed})
	}
	return rec
}

// student: the school level follows the child's age; children of poorer
// households are nominated for PIP (some already paid).
func (hh *household) student(i int, born sp.Date) *readmodel.StudentRecord {
	age := hh.today.Year - born.Year
	level, grade, npsn, school := readmodel.LevelSD, min(max(age-6, 1), 6), 20100000, "SD NEGERI "+hh.place.village.Name
	switch {
	case age >= 16:
		level, grade, npsn, school = readmodel.LevelSMA, min(age-6, 12), 20300000, "SMA NEGERI "+hh.place.district.Name
	case age >= 13:
		level, grade, npsn, school = readmodel.LevelSMP, age-6, 20200000, "SMP NEGERI "+hh.place.district.Name
	}
	st := &readmodel.StudentRecord{NISN: sp.NISN(fmt.Sprintf("9%09d", i)), SchoolNPSN: fmt.Sprint(npsn + hh.h%len(districts)),
		SchoolName: school, Level: level, Grade: grade, ClassName: fmt.Sprintf("%d-%c", grade, 'A'+rune(i%3))}
	if hh.decile <= 4 {
		pip := &readmodel.PIPStatus{KIPNumber: fmt.Sprintf("7%05d", i%100000), Eligible: true, Stage: readmodel.PIPPaid,
			AnnualAmount: map[readmodel.SchoolLevel]int64{readmodel.LevelSD: 450000, readmodel.LevelSMP: 750000, readmodel.LevelSMA: 1800000}[level], Bank: "BANK BRI"}
		if i%2 == 0 {
			pip.Stage, pip.Deadline, pip.Bank = readmodel.PIPNominated, hh.today.AddDays(5+i%35), "BANK BNI"
		}
		st.PIP = pip
	}
	return st
}

// newWelfare: every household is in the register; the poorest four
// deciles receive aid, with a payment scheduled within 30 days.
func (hh *household) newWelfare() *readmodel.Welfare {
	rel := hh.today.AddDays
	w := &readmodel.Welfare{Decile: hh.decile, UpdatedOn: rel(-(10 + hh.h%80)), Programmes: []readmodel.Programme{}, Disbursements: []readmodel.Disbursement{}}
	if hh.decile > 4 {
		return w
	}
	id := func(what string, stage int) string { return fmt.Sprintf("dsb-lg-%d-%s-%d", hh.h, what, stage) }
	w.Programmes = []readmodel.Programme{
		{Code: readmodel.ProgrammeBPNT, Name: "Bantuan Pangan Non Tunai (Sembako)", Active: true, Since: sp.Date{Year: 2020, Month: time.January, Day: 1}},
		{Code: readmodel.ProgrammePBI, Name: "PBI Jaminan Kesehatan", Active: true, Since: sp.Date{Year: 2016, Month: time.January, Day: 1}},
	}
	w.Disbursements = []readmodel.Disbursement{
		{ID: id("bpnt", 3), Programme: readmodel.ProgrammeBPNT, Period: "Tahap 3", Amount: 600000, Date: rel(-80 - hh.h%10),
			Status: readmodel.DisbursementPaid, Channel: "PT POS INDONESIA"},
		{ID: id("bpnt", 4), Programme: readmodel.ProgrammeBPNT, Period: "Tahap 4", Amount: 600000, Date: rel(3 + hh.h%25),
			Status: readmodel.DisbursementScheduled, Channel: "PT POS INDONESIA"},
	}
	if hh.decile <= 2 {
		w.Programmes = append(w.Programmes, readmodel.Programme{Code: readmodel.ProgrammePKH, Name: "Program Keluarga Harapan", Active: true,
			Since: sp.Date{Year: 2019, Month: time.April, Day: 1}})
		w.Disbursements = append(w.Disbursements, readmodel.Disbursement{ID: id("pkh", 4), Programme: readmodel.ProgrammePKH, Period: "Tahap 4",
			Amount: 225000, Date: rel(7 + hh.h%20), Status: readmodel.DisbursementScheduled, Channel: "BANK BRI (KKS)"})
	}
	return w
}

// digits drops the dots of a region code.
func digits(c sp.RegionCode) string {
	out := make([]byte, 0, len(c))
	for i := 0; i < len(c); i++ {
		if c[i] != '.' {
			out = append(out, c[i])
		}
	}
	return string(out)
}
