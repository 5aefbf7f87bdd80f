package privacy

import (
	"strings"

	sp "github.com/satupintu/satupintu"
)

// What the citizen reads of an entry, in Bahasa Indonesia and English.

var agencyNames = map[sp.Agency]sp.Text{
	sp.AgencyDukcapil:  {ID: "Dukcapil (Kementerian Dalam Negeri)", EN: "Dukcapil (Ministry of Home Affairs)"},
	sp.AgencyBPJS:      {ID: "BPJS Kesehatan", EN: "BPJS Kesehatan"},
	sp.AgencySatuSehat: {ID: "SATUSEHAT (Kementerian Kesehatan)", EN: "SATUSEHAT (Ministry of Health)"},
	sp.AgencyEducation: {ID: "Kementerian Pendidikan", EN: "Ministry of Education"},
	sp.AgencyPolice:    {ID: "Kepolisian Negara RI", EN: "Indonesian National Police"},
	sp.AgencySocial:    {ID: "Kementerian Sosial", EN: "Ministry of Social Affairs"},
}

// AgencyName names a, satupintu itself for "".
func AgencyName(a sp.Agency) sp.Text {
	if n, ok := agencyNames[a]; ok {
		return n
	}
	if a == "" {
		return sp.Text{ID: "satupintu", EN: "satupintu"}
	}
	return sp.Text{ID: string(a), EN: string(a)}
}

var categoryNames = map[Category]sp.Text{
	CategoryIdentity:  {ID: "Identitas dan kependudukan", EN: "Identity and civil registration"},
	CategoryHealth:    {ID: "Kesehatan", EN: "Health"},
	CategoryEducation: {ID: "Pendidikan", EN: "Education"},
	CategoryPolice:    {ID: "Kepolisian", EN: "Police records"},
	CategorySocial:    {ID: "Kesejahteraan sosial", EN: "Social welfare"},
	CategoryFinance:   {ID: "Keuangan", EN: "Finances"},
}

// CategoryName names c.
func CategoryName(c Category) sp.Text {
	if n, ok := categoryNames[c]; ok {
		return n
	}
	return sp.Text{ID: string(c), EN: string(c)}
}

var basisNames = map[LegalBasis]sp.Text{
	BasisConsent:         {ID: "Persetujuan Anda", EN: "Your consent"},
	BasisLegalObligation: {ID: "Kewajiban hukum", EN: "Legal obligation"},
	BasisPublicTask:      {ID: "Pelayanan publik", EN: "Public service"},
	BasisVitalInterest:   {ID: "Kepentingan vital", EN: "Vital interest"},
}

// BasisName names b.
func BasisName(b LegalBasis) sp.Text {
	if n, ok := basisNames[b]; ok {
		return n
	}
	return sp.Text{ID: string(b), EN: string(b)}
}

// purposeNames are the purposes satupintu sends (X-Road-Issue), by name.
var purposeNames = map[string]sp.Text{
	"graphql:home":                 {ID: "Beranda aplikasi", EN: "App home screen"},
	"graphql:me":                   {ID: "Profil Anda", EN: "Your profile"},
	"graphql:me.family":            {ID: "Kartu keluarga Anda", EN: "Your family card"},
	"graphql:health":               {ID: "Halaman kesehatan", EN: "Health page"},
	"graphql:health.membership":    {ID: "Kepesertaan BPJS Kesehatan", EN: "BPJS Kesehatan membership"},
	"graphql:health.immunizations": {ID: "Riwayat imunisasi", EN: "Immunization history"},
	"graphql:education":            {ID: "Halaman pendidikan", EN: "Education page"},
	"graphql:police":               {ID: "Halaman kepolisian", EN: "Police page"},
	"graphql:social":               {ID: "Halaman bantuan sosial", EN: "Social aid page"},
	"graphql:node":                 {ID: "Tampilan data di aplikasi", EN: "A screen of the app"},
	"graphql:submitServiceRequest": {ID: "Pemeriksaan syarat permohonan", EN: "Checking an application's requirements"},
	"graphql:service.eligibility":  {ID: "Pemeriksaan syarat layanan", EN: "Checking a service's requirements"},
	"poll":                         {ID: "Pemeriksaan status permohonan", EN: "Checking applications' status"},
	PurposeExport:                  {ID: "Salinan data Anda", EN: "Your data export"},
	PurposeErase:                   {ID: "Penghapusan data Anda", EN: "Erasing your data"},
}

// The purposes of satupintu's own processing of a citizen's data.
const (
	PurposeExport = "privacy:export"
	PurposeErase  = "privacy:erase"
)

// PurposeLabel says why, for the citizen: satupintu's own purposes by
// name, a case or a share by its id, an agency's own purpose as it wrote it.
func PurposeLabel(purpose string) sp.Text {
	if n, ok := purposeNames[purpose]; ok {
		return n
	}
	if id, ok := strings.CutPrefix(purpose, "case:"); ok {
		return sp.Text{ID: "Permohonan " + id, EN: "Application " + id}
	}
	if id, ok := strings.CutPrefix(purpose, "share:"); ok {
		return sp.Text{ID: "Berbagi dokumen " + id, EN: "Document share " + id}
	}
	if field, ok := strings.CutPrefix(purpose, "graphql:"); ok {
		return sp.Text{ID: "Aplikasi: " + field, EN: "App: " + field}
	}
	return sp.Text{ID: purpose, EN: purpose}
}

var actorKinds = map[ActorKind]sp.Text{
	ActorCitizen:  {ID: "Anda", EN: "You"},
	ActorDelegate: {ID: "Wakil Anda", EN: "Someone acting for you"},
	ActorVerifier: {ID: "Pemeriksa dokumen", EN: "A document verifier"},
	ActorAgency:   {ID: "Petugas instansi", EN: "An agency officer"},
	ActorOperator: {ID: "Petugas satupintu", EN: "A satupintu operator"},
	ActorSystem:   {ID: "Sistem satupintu", EN: "satupintu's system"},
}

// ActorName says who, for the citizen: themself as "Anda"/"You", anyone
// else by the name the entry carries (a delegate's, a verifier's, an
// officer's), never by a NIK.
func ActorName(a Actor) sp.Text {
	kind, ok := actorKinds[a.Kind]
	if !ok {
		kind = sp.Text{ID: string(a.Kind), EN: string(a.Kind)}
	}
	who := a.Name
	if who == "" && a.Kind != ActorDelegate {
		who = a.ID // an officer's or a verifier's id; a delegate's NIK never
	}
	if a.Kind == ActorCitizen || who == "" {
		return kind
	}
	return sp.Text{ID: kind.ID + ": " + who, EN: kind.EN + ": " + who}
}
