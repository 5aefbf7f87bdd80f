package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	sp "github.com/satupintu/satupintu"
)

// UserError is a problem with a citizen's request that the citizen can fix
// (or at least understand). Field names the form field, "" for the whole
// request; Message says, in both languages, what to do.
type UserError struct {
	Field   string
	Code    string
	Message sp.Text
}

// Codes of UserError.
const (
	CodeUnknownService = "UNKNOWN_SERVICE"
	CodeOfflineService = "OFFLINE_SERVICE"
	CodeRequired       = "REQUIRED"
	CodeUnknownField   = "UNKNOWN_FIELD"
	CodeTooShort       = "TOO_SHORT"
	CodeTooLong        = "TOO_LONG"
	CodePattern        = "PATTERN"
	CodeNotAnOption    = "NOT_AN_OPTION"
	CodeNotADate       = "NOT_A_DATE"
	CodeDateTooEarly   = "DATE_TOO_EARLY"
	CodeDateTooLate    = "DATE_TOO_LATE"
	CodeNotANumber     = "NOT_A_NUMBER"
	CodeNotEligible    = "NOT_ELIGIBLE"
	// CodePersonNotAllowed: a person field names someone the citizen may
	// not act for (package policy).
	CodePersonNotAllowed = "PERSON_NOT_ALLOWED"
	// CodeAgeRequirement: the applicant is below the service's MinAge.
	CodeAgeRequirement = "AGE_REQUIREMENT"
)

// Validate checks a request for the service: the service must exist and be
// ONLINE, then the fields as Service.Validate does.
func (c *Catalog) Validate(serviceID string, fields map[string]string, today sp.Date) []UserError {
	s, ok := c.Service(serviceID)
	if !ok {
		return []UserError{{Code: CodeUnknownService, Message: sp.Text{
			ID: "Layanan tidak dikenal: pilih layanan dari katalog.",
			EN: "Unknown service: pick one from the catalog.",
		}}}
	}
	return s.Validate(fields, today)
}

// Validate checks the citizen's form against the service's fields and
// returns every problem at once, in form order and then unknown fields by
// name. Values are trimmed first; an empty optional field is fine. today
// anchors the DATE bounds.
func (s *Service) Validate(fields map[string]string, today sp.Date) []UserError {
	if s.Channel != ChannelOnline {
		return []UserError{{Code: CodeOfflineService, Message: sp.Text{
			ID: "Layanan ini belum dapat diajukan lewat aplikasi; lihat di mana dan cara mengurusnya di halaman layanan.",
			EN: "This service cannot be requested in the app yet; see where and how on the service page.",
		}}}
	}
	var errs []UserError
	for i := range s.Fields {
		f := &s.Fields[i]
		v := strings.TrimSpace(fields[f.Name])
		if v == "" {
			if f.Required {
				errs = append(errs, f.fail(CodeRequired, f.requiredMessage()))
			}
			continue
		}
		if e, bad := f.check(v, today); bad {
			errs = append(errs, e)
		}
	}
	var unknown []string
	for name := range fields {
		if _, ok := s.fieldIndex[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		errs = append(errs, UserError{Field: name, Code: CodeUnknownField, Message: sp.Text{
			ID: fmt.Sprintf("Isian %q tidak dikenal untuk layanan ini; hapus isian tersebut.", name),
			EN: fmt.Sprintf("Field %q is not part of this service; remove it.", name),
		}})
	}
	return errs
}

// Normalize returns the trimmed values of the service's known fields,
// leaving out empty ones, so equal requests look equal.
func (s *Service) Normalize(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for name, v := range fields {
		if _, ok := s.fieldIndex[name]; !ok {
			continue
		}
		if v = strings.TrimSpace(v); v != "" {
			out[name] = v
		}
	}
	return out
}

func (f *Field) fail(code string, msg sp.Text) UserError {
	return UserError{Field: f.Name, Code: code, Message: msg}
}

// check validates one non-empty, trimmed value.
func (f *Field) check(v string, today sp.Date) (UserError, bool) {
	id, en := f.Label.ID, f.Label.EN
	idIn, enIn := inSentence(id), inSentence(en)
	switch f.Type {
	case TypeText:
		if !printable(v) {
			return f.fail(CodePattern, sp.Text{
				ID: fmt.Sprintf("%s berisi karakter yang tidak diizinkan; tulis ulang dengan huruf, angka dan tanda baca biasa.", id),
				EN: fmt.Sprintf("The %s contains characters that are not allowed; retype it with ordinary letters, digits and punctuation.", enIn),
			}), true
		}
		n := utf8.RuneCountInString(v)
		if n < f.MinLength {
			return f.fail(CodeTooShort, sp.Text{
				ID: fmt.Sprintf("%s terlalu pendek: tulis minimal %d karakter (sekarang %d).", id, f.MinLength, n),
				EN: fmt.Sprintf("The %s is too short: write at least %d characters (now %d).", enIn, f.MinLength, n),
			}), true
		}
		if f.MaxLength > 0 && n > f.MaxLength {
			return f.fail(CodeTooLong, sp.Text{
				ID: fmt.Sprintf("%s terlalu panjang: tulis paling banyak %d karakter (sekarang %d).", id, f.MaxLength, n),
				EN: fmt.Sprintf("The %s is too long: write at most %d characters (now %d).", enIn, f.MaxLength, n),
			}), true
		}
		if f.re != nil && !f.re.MatchString(v) {
			return f.fail(CodePattern, f.patternMessage()), true
		}
	case TypeNumber:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return f.fail(CodeNotANumber, sp.Text{
				ID: fmt.Sprintf("Isi %s dengan angka saja, tanpa titik, koma atau spasi.", idIn),
				EN: fmt.Sprintf("Enter the %s as digits only, without dots, commas or spaces.", enIn),
			}), true
		}
		if f.re != nil && !f.re.MatchString(v) {
			return f.fail(CodePattern, f.patternMessage()), true
		}
	case TypeEnum:
		if _, ok := f.Option(v); !ok {
			return f.fail(CodeNotAnOption, sp.Text{
				ID: fmt.Sprintf("Pilih %s dari daftar: %s.", idIn, f.optionList(sp.LangID)),
				EN: fmt.Sprintf("Choose the %s from the list: %s.", enIn, f.optionList(sp.LangEN)),
			}), true
		}
	case TypeDate:
		d, err := sp.ParseDate(v)
		if err != nil {
			return f.fail(CodeNotADate, sp.Text{
				ID: fmt.Sprintf("Isi %s sebagai tanggal dengan format TTTT-BB-HH, misalnya %s.", idIn, today),
				EN: fmt.Sprintf("Enter the %s as a date in the form YYYY-MM-DD, for example %s.", enIn, today),
			}), true
		}
		earliest, latest := f.DateBounds(today)
		if !earliest.IsZero() && d.Before(earliest) {
			msg := sp.Text{
				ID: fmt.Sprintf("%s paling awal %s.", id, dateText(earliest).ID),
				EN: fmt.Sprintf("The %s must be on or after %s.", enIn, dateText(earliest).EN),
			}
			if *f.minDays == 0 {
				msg = sp.Text{
					ID: fmt.Sprintf("%s tidak boleh sebelum hari ini; pilih hari ini atau tanggal sesudahnya.", id),
					EN: fmt.Sprintf("The %s cannot be in the past; pick today or a later date.", enIn),
				}
			}
			return f.fail(CodeDateTooEarly, msg), true
		}
		if !latest.IsZero() && latest.Before(d) {
			msg := sp.Text{
				ID: fmt.Sprintf("%s paling lambat %s.", id, dateText(latest).ID),
				EN: fmt.Sprintf("The %s must be on or before %s.", enIn, dateText(latest).EN),
			}
			if *f.maxDays == 0 {
				msg = sp.Text{
					ID: fmt.Sprintf("%s tidak boleh setelah hari ini; pilih hari ini atau tanggal sebelumnya.", id),
					EN: fmt.Sprintf("The %s cannot be in the future; pick today or an earlier date.", enIn),
				}
			}
			return f.fail(CodeDateTooLate, msg), true
		}
	}
	return UserError{}, false
}

// requiredMessage says what to fill in and, where it helps, in what form.
func (f *Field) requiredMessage() sp.Text {
	id, en := inSentence(f.Label.ID), inSentence(f.Label.EN)
	switch f.Type {
	case TypeEnum:
		return sp.Text{ID: fmt.Sprintf("Pilih %s.", id), EN: fmt.Sprintf("Choose the %s.", en)}
	case TypeDate:
		return sp.Text{ID: fmt.Sprintf("Isi %s (TTTT-BB-HH).", id), EN: fmt.Sprintf("Enter the %s (YYYY-MM-DD).", en)}
	case TypeNumber:
		return sp.Text{ID: fmt.Sprintf("Isi %s (angka saja).", id), EN: fmt.Sprintf("Enter the %s (digits only).", en)}
	}
	hint := f.PatternHint
	switch {
	case hint != (sp.Text{}):
	case f.MinLength > 0 && f.MaxLength > 0:
		hint = sp.Text{ID: fmt.Sprintf("%d–%d karakter", f.MinLength, f.MaxLength), EN: fmt.Sprintf("%d–%d characters", f.MinLength, f.MaxLength)}
	case f.MaxLength > 0:
		hint = sp.Text{ID: fmt.Sprintf("paling banyak %d karakter", f.MaxLength), EN: fmt.Sprintf("at most %d characters", f.MaxLength)}
	default:
		return sp.Text{ID: fmt.Sprintf("Isi %s.", id), EN: fmt.Sprintf("Enter the %s.", en)}
	}
	return sp.Text{ID: fmt.Sprintf("Isi %s (%s).", id, hint.ID), EN: fmt.Sprintf("Enter the %s (%s).", en, hint.EN)}
}

func (f *Field) patternMessage() sp.Text {
	return sp.Text{
		ID: fmt.Sprintf("%s tidak sesuai format: %s.", f.Label.ID, f.PatternHint.ID),
		EN: fmt.Sprintf("The %s is not in the right form: %s.", inSentence(f.Label.EN), f.PatternHint.EN),
	}
}

func (f *Field) optionList(l sp.Lang) string {
	labels := make([]string, len(f.Options))
	for i, o := range f.Options {
		labels[i] = o.Label.In(l)
	}
	return strings.Join(labels, "; ")
}

// printable rejects invalid UTF-8 and control characters other than line
// breaks and tabs, which agencies' systems mangle or choke on.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}
