package documents

import (
	"slices"

	sp "github.com/satupintu/satupintu"
)

// The claims each type's credential makes disclosable, in order. Names
// follow OpenID Connect's where one fits (name, birthdate, address) and
// ISO 18013-5's for licences (document_number, issue_date, expiry_date,
// age_over_NN); the age claims are derived from the birth date on the day
// the credential is issued.
var typeClaims = map[Type][]string{
	TypeIKD: {"document_number", "name", "birthdate", "place_of_birth", "sex", "religion", "marital_status", "occupation",
		"nationality", "address", "age_over_17", "age_over_21"},
	TypeKK: {"document_number", "name", "nik", "birthdate", "relationship", "head_of_family", "address", "age_over_17", "age_over_21"},
	TypeSIM: {"document_number", "driving_class", "name", "nik", "birthdate", "place_of_birth", "sex", "issue_date", "expiry_date",
		"issuing_office", "age_over_17", "age_over_21"},
	TypeSKCK: {"document_number", "name", "nik", "birthdate", "place_of_birth", "sex", "certificate_purpose", "issuing_level",
		"issue_date", "expiry_date", "age_over_17", "age_over_21"},
	TypeJKN: {"document_number", "name", "nik", "birthdate", "care_class", "participant_type", "primary_clinic", "age_over_17", "age_over_21"},
	TypeKIP: {"document_number", "name", "nik", "birthdate", "nisn", "school_name", "age_over_17", "age_over_21"},
}

// ClaimNames are the disclosable claims of type t, in order.
func ClaimNames(t Type) []string { return typeClaims[t] }

// AllClaimNames are the claims of every type, each once, sorted: what a
// verifier's registration may name.
func AllClaimNames() []string {
	var out []string
	for _, t := range Types {
		for _, n := range typeClaims[t] {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ClaimLabel is what the app shows the citizen for claim name.
func ClaimLabel(name string, l sp.Lang) string {
	if t, ok := claimLabels[name]; ok {
		return t.In(l)
	}
	return name
}

var claimLabels = map[string]sp.Text{
	"document_number":     {ID: "Nomor dokumen", EN: "Document number"},
	"name":                {ID: "Nama", EN: "Name"},
	"nik":                 {ID: "NIK", EN: "NIK (national identity number)"},
	"birthdate":           {ID: "Tanggal lahir", EN: "Date of birth"},
	"place_of_birth":      {ID: "Tempat lahir", EN: "Place of birth"},
	"sex":                 {ID: "Jenis kelamin", EN: "Sex"},
	"religion":            {ID: "Agama", EN: "Religion"},
	"marital_status":      {ID: "Status perkawinan", EN: "Marital status"},
	"occupation":          {ID: "Pekerjaan", EN: "Occupation"},
	"nationality":         {ID: "Kewarganegaraan", EN: "Nationality"},
	"address":             {ID: "Alamat", EN: "Address"},
	"relationship":        {ID: "Hubungan dalam keluarga", EN: "Relationship in the family"},
	"head_of_family":      {ID: "Kepala keluarga", EN: "Head of the family"},
	"driving_class":       {ID: "Golongan SIM", EN: "Licence class"},
	"issue_date":          {ID: "Tanggal terbit", EN: "Date of issue"},
	"expiry_date":         {ID: "Berlaku sampai", EN: "Valid until"},
	"issuing_office":      {ID: "Kantor penerbit", EN: "Issuing office"},
	"certificate_purpose": {ID: "Keperluan", EN: "Purpose"},
	"issuing_level":       {ID: "Tingkat penerbit", EN: "Issuing level"},
	"care_class":          {ID: "Hak kelas rawat", EN: "Class of care"},
	"participant_type":    {ID: "Jenis peserta", EN: "Participant type"},
	"primary_clinic":      {ID: "Faskes tingkat pertama", EN: "Primary care clinic"},
	"nisn":                {ID: "NISN", EN: "NISN (student number)"},
	"school_name":         {ID: "Sekolah", EN: "School"},
	"age_over_17":         {ID: "Berusia 17 tahun ke atas", EN: "Aged 17 or over"},
	"age_over_21":         {ID: "Berusia 21 tahun ke atas", EN: "Aged 21 or over"},
}
