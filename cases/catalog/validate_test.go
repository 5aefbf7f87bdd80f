package catalog

import (
	"maps"
	"strings"
	"testing"
)

// valid is a correct form for every ONLINE service; each case below
// breaks one thing in it.
var valid = map[string]map[string]string{
	"skck-application": {"purpose": "Melamar kerja di PT Contoh", "policeLevel": "POLRES"},
	"sim-renewal":      {"licenceClass": "C"},
	"sim-new":          {"licenceClass": "A"},
	"rtlh-application": {"houseCondition": "SEVERE", "landOwnership": "CERTIFIED", "householdSize": "5",
		"description": "Atap bocor di tiga tempat dan dinding kamar retak."},
	"pip-activation": {"nisn": "0123456789", "bank": "BRI", "phone": "081234567890"},
	"hospital-queue": {"hospitalCode": "0101R001", "clinic": "INT", "visitDate": "2026-03-20", "visitType": "REFERRAL",
		"referenceNumber": "0301U0010317B000001"},
	"lost-item-report": {"itemType": "KTP", "lostOn": "2026-03-16", "location": "Pasar Minggu, Jakarta Selatan"},
	"dtsen-appeal": {"kind": "PROPOSAL", "villageCode": "31.74.01.1001", "householdSize": "4", "monthlyIncome": "1500000",
		"reason": "Suami terkena PHK dan kami belum terdaftar."},
	"school-admission": {"childNik": "3174015203190004", "level": "SD", "route": "DOMISILI", "schoolNpsn": "20100123"},
}

func with(base map[string]string, kv ...string) map[string]string {
	m := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "\x00delete" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

const del = "\x00delete"

func TestValidFormsPass(t *testing.T) {
	c := load(t)
	for _, s := range c.Services() {
		if s.Channel != ChannelOnline {
			continue
		}
		form, ok := valid[s.ID]
		if !ok {
			t.Errorf("no valid form in this test for ONLINE service %s", s.ID)
			continue
		}
		if errs := s.Validate(form, today); len(errs) > 0 {
			t.Errorf("%s: valid form refused: %+v", s.ID, errs)
		}
	}
}

func TestValidateCodes(t *testing.T) {
	c := load(t)
	tests := []struct {
		name, service string
		fields        map[string]string
		field, code   string
	}{
		{"missing required text", "skck-application", with(valid["skck-application"], "purpose", del), "purpose", CodeRequired},
		{"blank is missing", "skck-application", with(valid["skck-application"], "purpose", "   "), "purpose", CodeRequired},
		{"missing enum", "skck-application", with(valid["skck-application"], "policeLevel", ""), "policeLevel", CodeRequired},
		{"missing date", "hospital-queue", with(valid["hospital-queue"], "visitDate", del), "visitDate", CodeRequired},
		{"unknown field", "skck-application", with(valid["skck-application"], "nik", "3174012103120003"), "nik", CodeUnknownField},
		{"too short", "skck-application", with(valid["skck-application"], "purpose", " abcd "), "purpose", CodeTooShort},
		{"too long", "skck-application", with(valid["skck-application"], "purpose", strings.Repeat("a", 201)), "purpose", CodeTooLong},
		{"length counts characters, not bytes", "skck-application", with(valid["skck-application"], "purpose", strings.Repeat("é", 201)), "purpose", CodeTooLong},
		{"control characters", "skck-application", with(valid["skck-application"], "purpose", "kerja\x00di PT"), "purpose", CodePattern},
		{"pattern", "pip-activation", with(valid["pip-activation"], "nisn", "12345"), "nisn", CodePattern},
		{"pattern letters", "hospital-queue", with(valid["hospital-queue"], "hospitalCode", "0101X001"), "hospitalCode", CodePattern},
		{"optional field still checked", "pip-activation", with(valid["pip-activation"], "phone", "12"), "phone", CodePattern},
		{"not an option", "skck-application", with(valid["skck-application"], "policeLevel", "KAPOLRI"), "policeLevel", CodeNotAnOption},
		{"options are exact", "sim-renewal", with(valid["sim-renewal"], "licenceClass", "c"), "licenceClass", CodeNotAnOption},
		{"not a date", "hospital-queue", with(valid["hospital-queue"], "visitDate", "20/03/2026"), "visitDate", CodeNotADate},
		{"impossible date", "hospital-queue", with(valid["hospital-queue"], "visitDate", "2026-02-30"), "visitDate", CodeNotADate},
		{"visit in the past", "hospital-queue", with(valid["hospital-queue"], "visitDate", "2026-03-16"), "visitDate", CodeDateTooEarly},
		{"visit beyond 90 days", "hospital-queue", with(valid["hospital-queue"], "visitDate", today.AddDays(91).String()), "visitDate", CodeDateTooLate},
		{"loss in the future", "lost-item-report", with(valid["lost-item-report"], "lostOn", "2026-03-18"), "lostOn", CodeDateTooLate},
		{"loss over a year ago", "lost-item-report", with(valid["lost-item-report"], "lostOn", today.AddDays(-366).String()), "lostOn", CodeDateTooEarly},
		{"not a number", "rtlh-application", with(valid["rtlh-application"], "householdSize", "lima"), "householdSize", CodeNotANumber},
		{"thousands separators", "dtsen-appeal", with(valid["dtsen-appeal"], "monthlyIncome", "1.500.000"), "monthlyIncome", CodeNotANumber},
		{"number outside its pattern", "rtlh-application", with(valid["rtlh-application"], "householdSize", "0"), "householdSize", CodePattern},
		{"offline service", "birth-certificate", map[string]string{}, "", CodeOfflineService},
		{"unknown service", "passport-renewal", map[string]string{}, "", CodeUnknownService},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := c.Validate(tt.service, tt.fields, today)
			if len(errs) != 1 {
				t.Fatalf("got %d errors %+v, want one %s on %q", len(errs), errs, tt.code, tt.field)
			}
			e := errs[0]
			if e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %s on %q, want %s on %q", e.Code, e.Field, tt.code, tt.field)
			}
			checkMessage(t, e)
			seen[e.Code] = true
		})
	}
	for _, code := range []string{CodeUnknownService, CodeOfflineService, CodeRequired, CodeUnknownField, CodeTooShort,
		CodeTooLong, CodePattern, CodeNotAnOption, CodeNotADate, CodeDateTooEarly, CodeDateTooLate, CodeNotANumber} {
		if !seen[code] {
			t.Errorf("no input produced %s", code)
		}
	}
}

func checkMessage(t *testing.T, e UserError) {
	t.Helper()
	if e.Message.ID == "" || e.Message.EN == "" || e.Message.ID == e.Message.EN {
		t.Errorf("%s on %q: message must exist in both languages and differ: %+v", e.Code, e.Field, e.Message)
	}
}

func TestDateBoundsAreInclusive(t *testing.T) {
	c := load(t)
	q := mustService(t, c, "hospital-queue")
	for _, d := range []string{today.String(), today.AddDays(90).String()} {
		if errs := q.Validate(with(valid["hospital-queue"], "visitDate", d), today); len(errs) > 0 {
			t.Errorf("visit on %s refused: %+v", d, errs)
		}
	}
	l := mustService(t, c, "lost-item-report")
	for _, d := range []string{today.String(), today.AddDays(-365).String()} {
		if errs := l.Validate(with(valid["lost-item-report"], "lostOn", d), today); len(errs) > 0 {
			t.Errorf("loss on %s refused: %+v", d, errs)
		}
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := load(t)
	s := mustService(t, c, "skck-application")
	errs := s.Validate(map[string]string{"purpose": "ab", "policeLevel": "X", "zeta": "1", "alpha": "2"}, today)
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+":"+e.Code)
		checkMessage(t, e)
	}
	want := "purpose:TOO_SHORT policeLevel:NOT_AN_OPTION alpha:UNKNOWN_FIELD zeta:UNKNOWN_FIELD"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}

	errs = s.Validate(nil, today)
	if len(errs) != 2 {
		t.Fatalf("empty form: %+v, want two REQUIRED", errs)
	}
	if m := errs[0].Message; m.ID != "Isi tujuan SKCK (5–200 karakter)." || m.EN != "Enter the purpose of the SKCK (5–200 characters)." {
		t.Errorf("required message = %+v", m)
	}
	if m := errs[1].Message; !strings.HasPrefix(m.ID, "Pilih ") || !strings.HasPrefix(m.EN, "Choose the ") {
		t.Errorf("required ENUM message = %+v", m)
	}
}

func TestMessagesSayWhatToDo(t *testing.T) {
	c := load(t)
	pip := mustService(t, c, "pip-activation")
	e := pip.Validate(with(valid["pip-activation"], "nisn", "12345"), today)[0]
	if !strings.Contains(e.Message.ID, "10 digit") || !strings.Contains(e.Message.EN, "10 digits") {
		t.Errorf("pattern message lacks the hint: %+v", e.Message)
	}
	e = pip.Validate(with(valid["pip-activation"], "bank", "MANDIRI"), today)[0]
	if !strings.Contains(e.Message.ID, "Bank Syariah Indonesia (BSI)") || !strings.Contains(e.Message.EN, "Bank BTN") {
		t.Errorf("option message lacks the choices: %+v", e.Message)
	}
	q := mustService(t, c, "hospital-queue")
	e = q.Validate(with(valid["hospital-queue"], "visitDate", "2026-07-01"), today)[0]
	if !strings.Contains(e.Message.ID, "15 Juni 2026") || !strings.Contains(e.Message.EN, "15 June 2026") {
		t.Errorf("late-date message lacks the last allowed day: %+v", e.Message)
	}
}

func TestNormalize(t *testing.T) {
	c := load(t)
	s := mustService(t, c, "sim-renewal")
	in := map[string]string{"licenceClass": "  C\n", "deliveryAddress": "   ", "extra": "x"}
	if errs := s.Validate(with(in, "extra", del), today); len(errs) > 0 {
		t.Fatalf("padded value refused: %+v", errs)
	}
	got := s.Normalize(in)
	if len(got) != 1 || got["licenceClass"] != "C" {
		t.Errorf("Normalize = %q, want only licenceClass=C", got)
	}
	if in["licenceClass"] != "  C\n" {
		t.Error("Normalize changed its input")
	}
}
