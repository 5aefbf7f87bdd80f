package satupintu

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NIK is the 16-digit national identity number: PP KK CC DDMMYY SSSS
// (province, regency, district, birth day (+40 for women), month, two-digit
// year, serial). It is personal data: log it only as NIK.Masked().
type NIK string

// ParseNIK checks the structure of a NIK. The area prefix is not checked
// against today's code list: regions split, and an old prefix stays valid.
func ParseNIK(s string) (NIK, error) {
	s = strings.TrimSpace(s)
	if !allDigits(s, 16) {
		return "", fmt.Errorf("NIK must be exactly 16 digits")
	}
	day, _ := strconv.Atoi(s[6:8])
	month, _ := strconv.Atoi(s[8:10])
	if day > 40 {
		day -= 40
	}
	if !validDayMonth(day, month) {
		return "", fmt.Errorf("NIK digits 7-10 must be a birth day (01-31, or 41-71 for women) and month (01-12)")
	}
	if s[12:] == "0000" {
		return "", fmt.Errorf("NIK serial (last 4 digits) must not be 0000")
	}
	if s[0:2] == "00" || s[2:4] == "00" {
		return "", fmt.Errorf("NIK must start with a province and regency code")
	}
	return NIK(s), nil
}

// Masked hides the middle eight digits: 3174********0001.
func (n NIK) Masked() string { return maskMiddle(string(n)) }

// Female reports the sex encoded in the NIK (day of birth + 40).
func (n NIK) Female() bool {
	if len(n) != 16 {
		return false
	}
	d, _ := strconv.Atoi(string(n[6:8]))
	return d > 40
}

// BirthDate decodes the date of birth. The century is ambiguous: 20yy unless
// that would be after now, then 19yy.
func (n NIK) BirthDate(now time.Time) (Date, bool) {
	if len(n) != 16 {
		return Date{}, false
	}
	day, _ := strconv.Atoi(string(n[6:8]))
	if day > 40 {
		day -= 40
	}
	month, _ := strconv.Atoi(string(n[8:10]))
	yy, _ := strconv.Atoi(string(n[10:12]))
	d := Date{Year: 2000 + yy, Month: time.Month(month), Day: day}
	if d.Time().After(now) {
		d.Year -= 100
	}
	return d, validDayMonth(day, month)
}

// Region returns the district (kecamatan) code the NIK was registered in.
func (n NIK) Region() RegionCode {
	if len(n) != 16 {
		return ""
	}
	return RegionCode(string(n[0:2]) + "." + string(n[2:4]) + "." + string(n[4:6]))
}

// KK is the 16-digit family-card number (Nomor Kartu Keluarga). Same shape
// as a NIK, but the date digits are the date of data entry. Agencies mix the
// two up; the types keep them apart.
type KK string

// ParseKK checks the structure of a family-card number.
func ParseKK(s string) (KK, error) {
	s = strings.TrimSpace(s)
	if !allDigits(s, 16) {
		return "", fmt.Errorf("KK number must be exactly 16 digits")
	}
	if s[12:] == "0000" {
		return "", fmt.Errorf("KK number serial (last 4 digits) must not be 0000")
	}
	if s[0:2] == "00" {
		return "", fmt.Errorf("KK number must start with a province code")
	}
	return KK(s), nil
}

// Masked hides the middle eight digits.
func (k KK) Masked() string { return maskMiddle(string(k)) }

// NISN is the 10-digit national student number, treated as opaque.
type NISN string

// ParseNISN checks that s is 10 digits.
func ParseNISN(s string) (NISN, error) {
	s = strings.TrimSpace(s)
	if !allDigits(s, 10) {
		return "", fmt.Errorf("NISN must be exactly 10 digits")
	}
	return NISN(s), nil
}

// RegionCode is a Kemendagri region code in its canonical dotted form:
// province "31", regency "31.74", district "31.74.01", village
// "31.74.01.1001". BPS codes are a different system and are not accepted.
type RegionCode string

// RegionLevel is the administrative level a code names.
type RegionLevel string

const (
	RegionProvince RegionLevel = "PROVINCE"
	RegionRegency  RegionLevel = "REGENCY"
	RegionDistrict RegionLevel = "DISTRICT"
	RegionVillage  RegionLevel = "VILLAGE"
)

// ParseRegionCode accepts the dotted form or bare digits (2, 4, 6 or 10) and
// returns the dotted form.
func ParseRegionCode(s string) (RegionCode, error) {
	s = strings.TrimSpace(s)
	digits := strings.ReplaceAll(s, ".", "")
	if !allDigits(digits, len(digits)) || digits == "" {
		return "", fmt.Errorf("region code must be Kemendagri digits such as 31.74.01.1001")
	}
	parts := []int{2, 2, 2, 4}
	var out []string
	rest := digits
	for _, n := range parts {
		if rest == "" {
			break
		}
		if len(rest) < n {
			return "", fmt.Errorf("region code must have 2, 4, 6 or 10 digits (Kemendagri), got %d", len(digits))
		}
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	if rest != "" {
		return "", fmt.Errorf("region code must have 2, 4, 6 or 10 digits (Kemendagri), got %d", len(digits))
	}
	dotted := strings.Join(out, ".")
	if strings.Contains(s, ".") && s != dotted {
		return "", fmt.Errorf("region code %q is not in the dotted form PP.KK.CC.VVVV", s)
	}
	return RegionCode(dotted), nil
}

// Level reports which administrative level the code names.
func (r RegionCode) Level() RegionLevel {
	switch len(r) {
	case 2:
		return RegionProvince
	case 5:
		return RegionRegency
	case 8:
		return RegionDistrict
	case 13:
		return RegionVillage
	}
	return ""
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validDayMonth(day, month int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	// 2000 is a leap year, so 29 February passes; the century is unknown here.
	return day <= time.Date(2000, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func maskMiddle(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}
