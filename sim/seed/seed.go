// Package seed is the deterministic synthetic population every simulator
// serves. All people, numbers and places are invented; NIKs and KKs are
// structurally valid. Dates are relative to "today" so that the scenarios
// (a licence about to expire, an aid payment next week) hold on any day.
package seed

import (
	"fmt"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// Person is one synthetic citizen with what each agency knows of them. A nil
// agency part means that agency does not know the person.
type Person struct {
	readmodel.Citizen
	Relationship readmodel.Relationship // on their family card
	Note         string                 // the scenario this person stands for

	BPJS      *BPJS
	SatuSehat *SatuSehat
	Student   *readmodel.StudentRecord // Relation is ignored; the simulator derives it
	Police    *readmodel.PoliceRecord
	Welfare   *readmodel.Welfare
}

// BPJS is the participant as VClaim and PCare return it.
type BPJS struct {
	readmodel.Membership
	// Provider codes as BPJS writes them.
	Phone string
}

// SatuSehat is the patient and their immunizations.
type SatuSehat struct {
	IHSNumber     string
	Immunizations []readmodel.Immunization
}

// Seed is the whole population.
type Seed struct {
	Today  sp.Date
	People []*Person
	// Hartono are the NIKs of the Hartono children on Today.
	Hartono Hartono
	// Rafi is the NIK of Sumarni's grandson on Today: 9, never married, on
	// the family card of which his grandmother is the head; she is his
	// guardian, not his parent.
	Rafi  sp.NIK
	byNIK map[sp.NIK]*Person
}

// Hartono names the children of Hadi and Ratna Hartono. They are born
// relative to the seed's day, so each stays the age their scenario needs on
// any day; their NIKs encode their birth dates, so they change with the day.
type Hartono struct {
	Nadia sp.NIK // 11, never married: a minor her parents act for
	Fajar sp.NIK // turned 17 three days ago: an adult now
	Laras sp.NIK // 16 and married, still a child on her parents' family card
}

// ByNIK finds a person, or nil.
func (s *Seed) ByNIK(n sp.NIK) *Person { return s.byNIK[n] }

// Family lists the members of family card kk, head first.
func (s *Seed) Family(kk sp.KK) []*Person {
	var out []*Person
	for _, p := range s.People {
		if p.KK == kk {
			out = append(out, p)
		}
	}
	return out
}

// Children lists the children on the family card of which p is head or spouse.
func (s *Seed) Children(p *Person) []*Person {
	if p.Relationship != readmodel.RelationshipHead && p.Relationship != readmodel.RelationshipSpouse {
		return nil
	}
	var out []*Person
	for _, m := range s.Family(p.KK) {
		if m.Relationship == readmodel.RelationshipChild {
			out = append(out, m)
		}
	}
	return out
}

// The seeded NIKs, for tests and docs.
const (
	NIKBudi    sp.NIK = "3174011505800001" // family head; ETLE ticket due in 2 days
	NIKSiti    sp.NIK = "3174014708830002" // spouse
	NIKRizky   sp.NIK = "3174012103120003" // SMP pupil nominated for PIP
	NIKPutri   sp.NIK = "3174016209160004" // SD pupil
	NIKDewi    sp.NIK = "3273016402900007" // SIM A and C expire in 45 days
	NIKAgus    sp.NIK = "3578010311750012" // BPJS inactive, in arrears
	NIKSri     sp.NIK = "3201025907850021" // PBI, decile 2, PKH + BPNT scheduled
	NIKBayu    sp.NIK = "3201020507150022" // Sri's son, PIP paid
	NIKAndi    sp.NIK = "7371010901010033" // unknown to SATUSEHAT, education, police, social
	NIKWayan   sp.NIK = "5171013006950041" // ETLE ticket due tomorrow, SKCK valid
	NIKHadi    sp.NIK = "3471011204790051" // head of the Hartono family (children in Seed.Hartono)
	NIKRatna   sp.NIK = "3471014310820052" // Hadi's wife
	NIKSumarni sp.NIK = "3471014506580061" // head of her family card and guardian of her grandson (Seed.Rafi)
)

// nik builds a NIK registered in district (dotted code) for someone born on
// born: the birth day (plus 40 for women), month and two-digit year, then
// serial.
func nik(district sp.RegionCode, born sp.Date, female bool, serial int) sp.NIK {
	day := born.Day
	if female {
		day += 40
	}
	return sp.NIK(fmt.Sprintf("%s%02d%02d%02d%04d", digits(district), day, int(born.Month), born.Year%100, serial))
}

// New builds the seed for the day of now (WIB). The same day gives the same seed.
func New(now time.Time) *Seed {
	today := sp.DateOf(now)
	d := func(y int, m time.Month, day int) sp.Date { return sp.Date{Year: y, Month: m, Day: day} }
	rel := today.AddDays
	at := func(days, hour int) time.Time { return rel(days).Time().Add(time.Duration(hour) * time.Hour) }

	tebet := readmodel.Address{
		Street: "JL. TEBET BARAT DALAM NO. 12", RT: "003", RW: "005",
		Village:    readmodel.Region{Code: "31.74.01.1001", Name: "TEBET BARAT"},
		District:   readmodel.Region{Code: "31.74.01", Name: "TEBET"},
		Regency:    readmodel.Region{Code: "31.74", Name: "KOTA ADM. JAKARTA SELATAN"},
		Province:   readmodel.Region{Code: "31", Name: "DKI JAKARTA"},
		PostalCode: "12810",
	}
	wanaherang := readmodel.Address{
		Street: "KP. PULO NO. 7", RT: "002", RW: "004",
		Village:    readmodel.Region{Code: "32.01.02.2005", Name: "WANAHERANG"},
		District:   readmodel.Region{Code: "32.01.02", Name: "GUNUNG PUTRI"},
		Regency:    readmodel.Region{Code: "32.01", Name: "KABUPATEN BOGOR"},
		Province:   readmodel.Region{Code: "32", Name: "JAWA BARAT"},
		PostalCode: "16965",
	}
	bandung := readmodel.Address{
		Street: "JL. DIPATIUKUR NO. 35", RT: "001", RW: "003",
		Village:    readmodel.Region{Code: "32.73.01.1002", Name: "LEBAKGEDE"},
		District:   readmodel.Region{Code: "32.73.01", Name: "COBLONG"},
		Regency:    readmodel.Region{Code: "32.73", Name: "KOTA BANDUNG"},
		Province:   readmodel.Region{Code: "32", Name: "JAWA BARAT"},
		PostalCode: "40132",
	}
	surabaya := readmodel.Address{
		Street: "JL. KAPASAN DALAM GG. IV NO. 9", RT: "005", RW: "002",
		Village:    readmodel.Region{Code: "35.78.01.1003", Name: "KAPASAN"},
		District:   readmodel.Region{Code: "35.78.01", Name: "SIMOKERTO"},
		Regency:    readmodel.Region{Code: "35.78", Name: "KOTA SURABAYA"},
		Province:   readmodel.Region{Code: "35", Name: "JAWA TIMUR"},
		PostalCode: "60141",
	}
	makassar := readmodel.Address{
		Street: "JL. PERINTIS KEMERDEKAAN KM. 10", RT: "004", RW: "006",
		Village:    readmodel.Region{Code: "73.71.01.1004", Name: "TAMALANREA INDAH"},
		District:   readmodel.Region{Code: "73.71.01", Name: "TAMALANREA"},
		Regency:    readmodel.Region{Code: "73.71", Name: "KOTA MAKASSAR"},
		Province:   readmodel.Region{Code: "73", Name: "SULAWESI SELATAN"},
		PostalCode: "90245",
	}
	denpasar := readmodel.Address{
		Street: "JL. NANGKA UTARA NO. 21", RT: "000", RW: "000",
		Village:    readmodel.Region{Code: "51.71.01.1005", Name: "DANGIN PURI KAJA"},
		District:   readmodel.Region{Code: "51.71.01", Name: "DENPASAR UTARA"},
		Regency:    readmodel.Region{Code: "51.71", Name: "KOTA DENPASAR"},
		Province:   readmodel.Region{Code: "51", Name: "BALI"},
		PostalCode: "80231",
	}

	active := readmodel.Coded{Code: "0", Label: "AKTIF"}
	inactive := readmodel.Coded{Code: "6", Label: "NON AKTIF KARENA PREMI"}
	ppu := readmodel.Coded{Code: "13", Label: "PEGAWAI SWASTA"}
	pbpu := readmodel.Coded{Code: "14", Label: "PEKERJA MANDIRI"}
	pbi := readmodel.Coded{Code: "21", Label: "PBI (APBN)"}
	class1 := readmodel.Coded{Code: "1", Label: "KELAS I"}
	class2 := readmodel.Coded{Code: "2", Label: "KELAS II"}
	class3 := readmodel.Coded{Code: "3", Label: "KELAS III"}
	member := func(card string, class, kind, status, clinic readmodel.Coded, arrears int64, since sp.Date) *BPJS {
		return &BPJS{Membership: readmodel.Membership{CardNumber: card, Class: class, ParticipantType: kind, Status: status,
			PrimaryClinic: clinic, Arrears: arrears, CoverageStart: since, CoverageEnd: d(2099, 12, 31)}}
	}
	tebetClinic := readmodel.Coded{Code: "0120B012", Label: "PUSKESMAS TEBET"}

	kfa := "http://sys-ids.kemkes.go.id/kfa"
	reasons := "http://terminology.kemkes.go.id/CodeSystem/immunization-reason"
	basic := readmodel.Coding{System: reasons, Code: "IM-Dasar", Display: "Imunisasi Program Rutin Dasar"}
	further := readmodel.Coding{System: reasons, Code: "IM-Lanjutan", Display: "Imunisasi Program Rutin Lanjutan"}
	imm := func(id, code, vaccine string, why readmodel.Coding, on sp.Date, dose int, facility string) readmodel.Immunization {
		return readmodel.Immunization{ID: id, Vaccine: readmodel.Coding{System: kfa, Code: code, Display: vaccine},
			Reason: why, Date: on, DoseNumber: dose, Status: "completed", Facility: facility}
	}
	childhood := func(prefix string, born sp.Date, facility string) []readmodel.Immunization {
		return []readmodel.Immunization{
			imm(prefix+"-1", "93000101", "Vaksin BCG", basic, born.AddDays(30), 1, facility),
			imm(prefix+"-2", "93000203", "Vaksin Polio Oral (bOPV)", basic, born.AddDays(60), 1, facility),
			imm(prefix+"-3", "93000310", "Vaksin DPT-HB-Hib", basic, born.AddDays(60), 1, facility),
			imm(prefix+"-4", "93000310", "Vaksin DPT-HB-Hib", basic, born.AddDays(90), 2, facility),
			imm(prefix+"-5", "93000412", "Vaksin Campak Rubela (MR)", basic, born.AddDays(270), 1, facility),
			imm(prefix+"-6", "93000412", "Vaksin Campak Rubela (MR)", further, born.AddDays(540), 2, facility),
		}
	}

	santoso := sp.KK("3174012003100005")
	sriFamily := sp.KK("3201021503150008")
	santosoWelfare := func() *readmodel.Welfare { return &readmodel.Welfare{Decile: 5, UpdatedOn: rel(-40)} }
	sriWelfare := func() *readmodel.Welfare {
		return &readmodel.Welfare{
			Decile: 2, UpdatedOn: rel(-25),
			Programmes: []readmodel.Programme{
				{Code: readmodel.ProgrammePKH, Name: "Program Keluarga Harapan", Active: true, Since: d(2019, 4, 1)},
				{Code: readmodel.ProgrammeBPNT, Name: "Bantuan Pangan Non Tunai (Sembako)", Active: true, Since: d(2020, 1, 1)},
				{Code: readmodel.ProgrammePBI, Name: "PBI Jaminan Kesehatan", Active: true, Since: d(2016, 1, 1)},
			},
			Disbursements: []readmodel.Disbursement{
				{ID: "dsb-sri-pkh-3", Programme: readmodel.ProgrammePKH, Period: "Tahap 3", Amount: 225000, Date: rel(-80),
					Status: readmodel.DisbursementPaid, Channel: "BANK BRI (KKS)"},
				{ID: "dsb-sri-bpnt-3", Programme: readmodel.ProgrammeBPNT, Period: "Tahap 3", Amount: 600000, Date: rel(-85),
					Status: readmodel.DisbursementPaid, Channel: "PT POS INDONESIA"},
				{ID: "dsb-sri-bpnt-4", Programme: readmodel.ProgrammeBPNT, Period: "Tahap 4", Amount: 600000, Date: rel(5),
					Status: readmodel.DisbursementScheduled, Channel: "PT POS INDONESIA"},
				{ID: "dsb-sri-pkh-4", Programme: readmodel.ProgrammePKH, Period: "Tahap 4", Amount: 225000, Date: rel(10),
					Status: readmodel.DisbursementScheduled, Channel: "BANK BRI (KKS)"},
			},
		}
	}

	mantrijeron := readmodel.Address{
		Street: "JL. DI PANJAITAN NO. 48", RT: "021", RW: "006",
		Village:    readmodel.Region{Code: "34.71.01.1002", Name: "SURYODININGRATAN"},
		District:   readmodel.Region{Code: "34.71.01", Name: "MANTRIJERON"},
		Regency:    readmodel.Region{Code: "34.71", Name: "KOTA YOGYAKARTA"},
		Province:   readmodel.Region{Code: "34", Name: "DI YOGYAKARTA"},
		PostalCode: "55141",
	}
	// ago is the day years and days before today.
	ago := func(years, days int) sp.Date { return sp.DateOf(today.Time().AddDate(-years, 0, -days)) }
	hartono := sp.KK("3471010503090007")
	nadiaBorn, fajarBorn, larasBorn := ago(11, 100), ago(17, 3), ago(16, 60)
	hartonoKids := Hartono{
		Nadia: nik(mantrijeron.District.Code, nadiaBorn, true, 53),
		Fajar: nik(mantrijeron.District.Code, fajarBorn, false, 54),
		Laras: nik(mantrijeron.District.Code, larasBorn, true, 55),
	}
	sumarni := sp.KK("3471011008150009")
	rafiBorn := ago(9, 40)
	rafi := nik(mantrijeron.District.Code, rafiBorn, false, 62)
	mantrijeronClinic := readmodel.Coded{Code: "0403B001", Label: "PUSKESMAS MANTRIJERON"}

	rizkyBorn := d(2012, 3, 21)
	putriBorn := d(2016, 9, 22)
	bayuBorn := d(2015, 7, 5)

	people := []*Person{
		{
			Citizen: readmodel.Citizen{NIK: NIKBudi, KK: santoso, Name: "BUDI SANTOSO", BirthPlace: "JAKARTA",
				BirthDate: d(1980, 5, 15), Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "KAWIN",
				Occupation: "KARYAWAN SWASTA", Address: tebet},
			Relationship: readmodel.RelationshipHead,
			Note:         "family head, two school children; an ETLE ticket to confirm within 2 days",
			BPJS:         member("0001234567801", class1, ppu, active, tebetClinic, 0, d(2014, 1, 1)),
			SatuSehat: &SatuSehat{IHSNumber: "P02478375538", Immunizations: []readmodel.Immunization{
				imm("imm-budi-1", "93001302", "Vaksin COVID-19 (Sinovac)", further, d(2021, 7, 2), 1, "PUSKESMAS TEBET"),
				imm("imm-budi-2", "93001302", "Vaksin COVID-19 (Sinovac)", further, d(2021, 7, 30), 2, "PUSKESMAS TEBET"),
			}},
			Police: &readmodel.PoliceRecord{
				Licences: []readmodel.DrivingLicence{
					{Number: "8015-0512-000123", Class: "A", IssuedOn: rel(-900), ExpiresOn: rel(560), Office: "SATPAS DAAN MOGOT"},
				},
				Tickets: []readmodel.TrafficTicket{
					{Number: "ETLE-MJ-000871", Plate: "B 1234 TBT", Violation: "Melanggar marka jalan (Pasal 287 ayat 1 UU LLAJ)",
						Location: "JL. JEND. SUDIRMAN, JAKARTA PUSAT", OccurredAt: at(-6, 8), ConfirmBy: rel(2), Fine: 500000,
						Status: readmodel.TicketUnconfirmed},
				},
			},
			Welfare: santosoWelfare(),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKSiti, KK: santoso, Name: "SITI AMINAH", BirthPlace: "BOGOR",
				BirthDate: d(1983, 8, 7), Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "KAWIN",
				Occupation: "MENGURUS RUMAH TANGGA", Address: tebet},
			Relationship: readmodel.RelationshipSpouse,
			Note:         "spouse; sees both children's school records",
			BPJS:         member("0001234567802", class1, ppu, active, tebetClinic, 0, d(2014, 1, 1)),
			SatuSehat: &SatuSehat{IHSNumber: "P02478375539", Immunizations: []readmodel.Immunization{
				imm("imm-siti-1", "93000520", "Vaksin Td", further, d(2012, 1, 10), 1, "PUSKESMAS TEBET"),
			}},
			Police: &readmodel.PoliceRecord{Licences: []readmodel.DrivingLicence{
				{Number: "8315-0883-000456", Class: "C", IssuedOn: rel(-400), ExpiresOn: rel(1060), Office: "SATPAS DAAN MOGOT"},
			}},
			Welfare: santosoWelfare(),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKRizky, KK: santoso, Name: "RIZKY SANTOSO", BirthPlace: "JAKARTA",
				BirthDate: rizkyBorn, Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PELAJAR/MAHASISWA", Address: tebet},
			Relationship: readmodel.RelationshipChild,
			Note:         "SMP pupil nominated for PIP: the account must be activated within 20 days",
			BPJS:         member("0001234567803", class1, ppu, active, tebetClinic, 0, d(2014, 1, 1)),
			SatuSehat:    &SatuSehat{IHSNumber: "P02478375540", Immunizations: childhood("imm-rizky", rizkyBorn, "PUSKESMAS TEBET")},
			Student: &readmodel.StudentRecord{NISN: "0123456781", SchoolNPSN: "20102345", SchoolName: "SMP NEGERI 73 JAKARTA",
				Level: readmodel.LevelSMP, Grade: 8, ClassName: "VIII-B",
				PIP: &readmodel.PIPStatus{KIPNumber: "512734", Eligible: true, Stage: readmodel.PIPNominated, Deadline: rel(20),
					AnnualAmount: 750000, Bank: "BANK BNI"}},
			Welfare: santosoWelfare(),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKPutri, KK: santoso, Name: "PUTRI SANTOSO", BirthPlace: "JAKARTA",
				BirthDate: putriBorn, Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PELAJAR/MAHASISWA", Address: tebet},
			Relationship: readmodel.RelationshipChild,
			Note:         "SD pupil",
			BPJS:         member("0001234567804", class1, ppu, active, tebetClinic, 0, d(2016, 10, 1)),
			SatuSehat:    &SatuSehat{IHSNumber: "P02478375541", Immunizations: childhood("imm-putri", putriBorn, "PUSKESMAS TEBET")},
			Student: &readmodel.StudentRecord{NISN: "0161234567", SchoolNPSN: "20101234", SchoolName: "SD NEGERI TEBET BARAT 01",
				Level: readmodel.LevelSD, Grade: 4, ClassName: "IV-A"},
			Welfare: santosoWelfare(),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKDewi, KK: "3273011206180011", Name: "DEWI LESTARI", BirthPlace: "BANDUNG",
				BirthDate: d(1990, 2, 24), Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PEGAWAI NEGERI SIPIL", Address: bandung},
			Relationship: readmodel.RelationshipHead,
			Note:         "SIM A and SIM C expire in 45 days; SKCK valid one more month",
			BPJS:         member("0002345678901", class2, readmodel.Coded{Code: "11", Label: "PNS DAERAH"}, active, readmodel.Coded{Code: "0418B003", Label: "PUSKESMAS COBLONG"}, 0, d(2015, 3, 1)),
			SatuSehat: &SatuSehat{IHSNumber: "P03145672201", Immunizations: []readmodel.Immunization{
				imm("imm-dewi-1", "93001310", "Vaksin COVID-19 (AstraZeneca)", further, d(2021, 5, 12), 1, "PUSKESMAS COBLONG"),
			}},
			Police: &readmodel.PoliceRecord{
				Licences: []readmodel.DrivingLicence{
					{Number: "9024-0290-000789", Class: "A", IssuedOn: rel(-1780), ExpiresOn: rel(45), Office: "SATPAS POLRESTABES BANDUNG"},
					{Number: "9324-0290-000790", Class: "C", IssuedOn: rel(-1780), ExpiresOn: rel(45), Office: "SATPAS POLRESTABES BANDUNG"},
				},
				Certificates: []readmodel.PoliceCertificate{
					{Number: "SKCK/YANMAS/4812/X/2026/POLRESTABES", Purpose: "Melamar pekerjaan", Level: "POLRES",
						IssuedOn: rel(-150), ValidUntil: rel(30)},
				},
			},
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKAgus, KK: "3578010905070014", Name: "AGUS WIJAYA", BirthPlace: "SURABAYA",
				BirthDate: d(1975, 11, 3), Sex: readmodel.SexMale, Religion: "KRISTEN", MaritalStatus: "KAWIN",
				Occupation: "WIRASWASTA", Address: surabaya},
			Relationship: readmodel.RelationshipHead,
			Note:         "BPJS self-paying member, inactive with Rp1.750.000 arrears; SIM B1 suspended by the police",
			BPJS:         member("0003456789012", class2, pbpu, inactive, readmodel.Coded{Code: "1302B005", Label: "PUSKESMAS SIMOKERTO"}, 1750000, d(2016, 6, 1)),
			SatuSehat:    &SatuSehat{IHSNumber: "P05571230011"},
			Police: &readmodel.PoliceRecord{Licences: []readmodel.DrivingLicence{
				{Number: "7512-1175-000321", Class: "C", IssuedOn: rel(-300), ExpiresOn: rel(1525), Office: "SATPAS COLOMBO SURABAYA"},
				{Number: "7512-1175-000322", Class: "B1", IssuedOn: rel(-300), ExpiresOn: rel(1525), Office: "SATPAS COLOMBO SURABAYA",
					Status: readmodel.LicenceSuspended},
			}},
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKSri, KK: sriFamily, Name: "SRI WAHYUNI", BirthPlace: "BOGOR",
				BirthDate: d(1985, 7, 19), Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "CERAI MATI",
				Occupation: "BURUH HARIAN LEPAS", Address: wanaherang},
			Relationship: readmodel.RelationshipHead,
			Note:         "PBI member in welfare decile 2; PKH and BPNT payments scheduled",
			BPJS:         member("0004567890123", class3, pbi, active, readmodel.Coded{Code: "0101B021", Label: "PUSKESMAS GUNUNG PUTRI"}, 0, d(2016, 1, 1)),
			SatuSehat: &SatuSehat{IHSNumber: "P01289034455", Immunizations: []readmodel.Immunization{
				imm("imm-sri-1", "93000520", "Vaksin Td", further, d(2014, 9, 3), 1, "PUSKESMAS GUNUNG PUTRI"),
			}},
			Police:  &readmodel.PoliceRecord{},
			Welfare: sriWelfare(),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKBayu, KK: sriFamily, Name: "BAYU PRATAMA", BirthPlace: "BOGOR",
				BirthDate: bayuBorn, Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PELAJAR/MAHASISWA", Address: wanaherang},
			Relationship: readmodel.RelationshipChild,
			Note:         "SD pupil whose PIP has been paid",
			BPJS:         member("0004567890124", class3, pbi, active, readmodel.Coded{Code: "0101B021", Label: "PUSKESMAS GUNUNG PUTRI"}, 0, d(2016, 1, 1)),
			SatuSehat:    &SatuSehat{IHSNumber: "P01289034456", Immunizations: childhood("imm-bayu", bayuBorn, "PUSKESMAS GUNUNG PUTRI")},
			Student: &readmodel.StudentRecord{NISN: "0159876543", SchoolNPSN: "20200456", SchoolName: "SD NEGERI WANAHERANG 02",
				Level: readmodel.LevelSD, Grade: 5, ClassName: "V",
				PIP: &readmodel.PIPStatus{KIPNumber: "604218", Eligible: true, Stage: readmodel.PIPPaid, AnnualAmount: 450000, Bank: "BANK BRI"}},
			Welfare: sriWelfare(),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKAndi, KK: "7371011107200019", Name: "ANDI SAPUTRA", BirthPlace: "MAKASSAR",
				BirthDate: d(2001, 1, 9), Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "KARYAWAN SWASTA", Address: makassar},
			Relationship: readmodel.RelationshipHead,
			Note:         "known only to Dukcapil and BPJS: the other agencies answer empty",
			BPJS:         member("0005678901234", class2, ppu, active, readmodel.Coded{Code: "1707B011", Label: "PUSKESMAS TAMALANREA"}, 0, d(2023, 2, 1)),
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKWayan, KK: "5171012204210003", Name: "I WAYAN SUDARMA", BirthPlace: "DENPASAR",
				BirthDate: d(1995, 6, 30), Sex: readmodel.SexMale, Religion: "HINDU", MaritalStatus: "BELUM KAWIN",
				Occupation: "PEMANDU WISATA", Address: denpasar},
			Relationship: readmodel.RelationshipHead,
			Note:         "ETLE ticket to confirm by tomorrow; valid SKCK",
			BPJS:         member("0006789012345", class2, pbpu, active, readmodel.Coded{Code: "1703B002", Label: "PUSKESMAS I DENPASAR UTARA"}, 0, d(2018, 8, 1)),
			SatuSehat: &SatuSehat{IHSNumber: "P06612098877", Immunizations: []readmodel.Immunization{
				imm("imm-wayan-1", "93001305", "Vaksin COVID-19 (Pfizer)", further, d(2021, 9, 14), 1, "RSUP PROF. NGOERAH"),
			}},
			Police: &readmodel.PoliceRecord{
				Licences: []readmodel.DrivingLicence{
					{Number: "1225-0695-000654", Class: "C", IssuedOn: rel(-700), ExpiresOn: rel(1125), Office: "SATPAS POLRESTA DENPASAR"},
				},
				Certificates: []readmodel.PoliceCertificate{
					{Number: "SKCK/YANMAS/1198/IX/2026/POLDA BALI", Purpose: "Persyaratan kerja di kapal pesiar", Level: "POLDA",
						IssuedOn: rel(-60), ValidUntil: rel(120)},
				},
				Tickets: []readmodel.TrafficTicket{
					{Number: "ETLE-BALI-004512", Plate: "DK 4521 AB", Violation: "Tidak menggunakan helm SNI (Pasal 291 ayat 1 UU LLAJ)",
						Location: "JL. GATOT SUBROTO, DENPASAR", OccurredAt: at(-7, 17), ConfirmBy: rel(1), Fine: 250000,
						Status: readmodel.TicketUnconfirmed},
				},
			},
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKHadi, KK: hartono, Name: "HADI HARTONO", BirthPlace: "YOGYAKARTA",
				BirthDate: d(1979, 4, 12), Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "KAWIN",
				Occupation: "GURU", Address: mantrijeron},
			Relationship: readmodel.RelationshipHead,
			Note:         "family head; acts for Nadia (11), no longer for Fajar (just 17) or Laras (16, married); his SKCK has expired",
			BPJS:         member("0007890123451", class2, ppu, active, mantrijeronClinic, 0, d(2014, 1, 1)),
			Police: &readmodel.PoliceRecord{
				Licences: []readmodel.DrivingLicence{
					{Number: "1204-0479-000951", Class: "C", IssuedOn: rel(-500), ExpiresOn: rel(1325), Office: "SATPAS POLRESTA YOGYAKARTA"},
				},
				Certificates: []readmodel.PoliceCertificate{
					{Number: "SKCK/YANMAS/0733/III/2026/POLRESTA YOGYAKARTA", Purpose: "Melamar pekerjaan", Level: "POLRES",
						IssuedOn: rel(-400), ValidUntil: rel(-220)},
				},
			},
		},
		{
			Citizen: readmodel.Citizen{NIK: NIKRatna, KK: hartono, Name: "RATNA SARI", BirthPlace: "SLEMAN",
				BirthDate: d(1982, 10, 3), Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "KAWIN",
				Occupation: "PEDAGANG", Address: mantrijeron},
			Relationship: readmodel.RelationshipSpouse,
			Note:         "spouse; acts for Nadia like her husband",
			BPJS:         member("0007890123452", class2, ppu, active, mantrijeronClinic, 0, d(2014, 1, 1)),
		},
		{
			Citizen: readmodel.Citizen{NIK: hartonoKids.Nadia, KK: hartono, Name: "NADIA HARTONO", BirthPlace: "YOGYAKARTA",
				BirthDate: nadiaBorn, Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PELAJAR/MAHASISWA", Address: mantrijeron},
			Relationship: readmodel.RelationshipChild,
			Note:         "11 years old: a minor her parents act for (PIP nominated); too young for an SKCK",
			BPJS:         member("0007890123453", class2, ppu, active, mantrijeronClinic, 0, nadiaBorn.AddDays(30)),
			SatuSehat:    &SatuSehat{IHSNumber: "P07734120053", Immunizations: childhood("imm-nadia", nadiaBorn, "PUSKESMAS MANTRIJERON")},
			Student: &readmodel.StudentRecord{NISN: "0147712053", SchoolNPSN: "20403311", SchoolName: "SD NEGERI SURYODININGRATAN 2",
				Level: readmodel.LevelSD, Grade: 6, ClassName: "VI-A",
				PIP: &readmodel.PIPStatus{KIPNumber: "734119", Eligible: true, Stage: readmodel.PIPNominated, Deadline: rel(15),
					AnnualAmount: 450000, Bank: "BANK BRI"}},
		},
		{
			Citizen: readmodel.Citizen{NIK: hartonoKids.Fajar, KK: hartono, Name: "FAJAR HARTONO", BirthPlace: "YOGYAKARTA",
				BirthDate: fajarBorn, Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PELAJAR/MAHASISWA", Address: mantrijeron},
			Relationship: readmodel.RelationshipChild,
			Note:         "turned 17 three days ago: an adult, who applies for himself; SMA pupil nominated for PIP",
			BPJS:         member("0007890123454", class2, ppu, active, mantrijeronClinic, 0, d(2014, 1, 1)),
			Student: &readmodel.StudentRecord{NISN: "0097712054", SchoolNPSN: "20403122", SchoolName: "SMA NEGERI 7 YOGYAKARTA",
				Level: readmodel.LevelSMA, Grade: 12, ClassName: "XII-IPA-2",
				PIP: &readmodel.PIPStatus{KIPNumber: "734120", Eligible: true, Stage: readmodel.PIPNominated, Deadline: rel(25),
					AnnualAmount: 1800000, Bank: "BANK BNI"}},
		},
		{
			Citizen: readmodel.Citizen{NIK: hartonoKids.Laras, KK: hartono, Name: "LARAS HARTONO", BirthPlace: "YOGYAKARTA",
				BirthDate: larasBorn, Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "KAWIN",
				Occupation: "MENGURUS RUMAH TANGGA", Address: mantrijeron},
			Relationship: readmodel.RelationshipChild,
			Note:         "16 and married, still on her parents' family card: an adult by marriage",
			BPJS:         member("0007890123455", class2, ppu, active, mantrijeronClinic, 0, d(2014, 1, 1)),
		},
	}

	people = append(people,
		&Person{
			Citizen: readmodel.Citizen{NIK: NIKSumarni, KK: sumarni, Name: "SUMARNI", BirthPlace: "BANTUL",
				BirthDate: d(1958, 6, 5), Sex: readmodel.SexFemale, Religion: "ISLAM", MaritalStatus: "CERAI MATI",
				Occupation: "PEDAGANG", Address: mantrijeron},
			Relationship: readmodel.RelationshipHead,
			Note:         "grandmother and head of the family card; her grandson Rafi (9) lives with her: she acts for him as his guardian",
			BPJS:         member("0007890123461", class3, pbi, active, mantrijeronClinic, 0, d(2016, 1, 1)),
		},
		&Person{
			Citizen: readmodel.Citizen{NIK: rafi, KK: sumarni, Name: "RAFI PRASETYO", BirthPlace: "YOGYAKARTA",
				BirthDate: rafiBorn, Sex: readmodel.SexMale, Religion: "ISLAM", MaritalStatus: "BELUM KAWIN",
				Occupation: "PELAJAR/MAHASISWA", Address: mantrijeron},
			Relationship: readmodel.RelationshipGrandchild,
			Note:         "9 years old, on his grandmother's family card: she is his guardian, not his parent",
			BPJS:         member("0007890123462", class3, pbi, active, mantrijeronClinic, 0, rafiBorn.AddDays(30)),
			SatuSehat:    &SatuSehat{IHSNumber: "P07734120062", Immunizations: childhood("imm-rafi", rafiBorn, "PUSKESMAS MANTRIJERON")},
			Student: &readmodel.StudentRecord{NISN: "0167712062", SchoolNPSN: "20403311", SchoolName: "SD NEGERI SURYODININGRATAN 2",
				Level: readmodel.LevelSD, Grade: 3, ClassName: "III-B"},
		},
	)

	s := &Seed{Today: today, People: people, Hartono: hartonoKids, Rafi: rafi, byNIK: make(map[sp.NIK]*Person, len(people))}
	for _, p := range people {
		s.byNIK[p.NIK] = p
	}
	return s
}
