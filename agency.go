package satupintu

// Agency names a source system. The string is the stable name used in
// configuration, metrics, error extensions and the simulators' fault switch.
type Agency string

const (
	AgencyDukcapil  Agency = "dukcapil"
	AgencyBPJS      Agency = "bpjs"
	AgencySatuSehat Agency = "satusehat"
	AgencyEducation Agency = "education"
	AgencyPolice    Agency = "police"
	AgencySocial    Agency = "social"
)

// Agencies lists every agency in display order (the order of home.sources).
var Agencies = []Agency{AgencyDukcapil, AgencyBPJS, AgencySatuSehat, AgencyEducation, AgencyPolice, AgencySocial}

// Valid reports whether a is one of the known agencies.
func (a Agency) Valid() bool {
	for _, k := range Agencies {
		if a == k {
			return true
		}
	}
	return false
}
