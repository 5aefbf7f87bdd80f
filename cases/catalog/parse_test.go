package catalog

import (
	"encoding/json"
	"strings"
	"testing"
)

// broken returns the embedded catalog with one change made by f.
func broken(t *testing.T, f func(doc map[string]any, service func(id string) map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(embedded, &doc); err != nil {
		t.Fatal(err)
	}
	service := func(id string) map[string]any {
		for _, s := range doc["services"].([]any) {
			if m := s.(map[string]any); m["id"] == id {
				return m
			}
		}
		t.Fatalf("no service %q", id)
		return nil
	}
	f(doc, service)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func field(s map[string]any, name string) map[string]any {
	for _, f := range s["fields"].([]any) {
		if m := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

func TestParseRoundTrip(t *testing.T) {
	b := broken(t, func(map[string]any, func(string) map[string]any) {})
	if _, err := Parse(b); err != nil {
		t.Fatalf("re-encoded catalog refused: %v", err)
	}
}

func TestParseRefusesBrokenCatalogs(t *testing.T) {
	type svc = func(string) map[string]any
	tests := []struct {
		name   string
		change func(doc map[string]any, service svc)
		want   []string // all must appear in the error
	}{
		{"unknown fee due", func(_ map[string]any, s svc) { s("sim-new")["payment"].(map[string]any)["due"] = "ON_DELIVERY" },
			[]string{`service "sim-new": payment.due must be BEFORE_FORWARDING or AFTER_APPROVAL`}},
		{"duplicate id", func(_ map[string]any, s svc) { s("sim-new")["id"] = "sim-renewal" },
			[]string{`service "sim-renewal": duplicate id`}},
		{"unknown rule", func(_ map[string]any, s svc) { s("hospital-queue")["eligibility"] = []any{"bpjs-paid-up"} },
			[]string{`service "hospital-queue"`, `unknown eligibility rule "bpjs-paid-up"`}},
		{"rule without its field", func(_ map[string]any, s svc) { s("skck-application")["eligibility"] = []any{"sim-renewal-window"} },
			[]string{`service "skck-application"`, `reads field "licenceClass"`}},
		{"ENUM without options", func(_ map[string]any, s svc) { delete(field(s("skck-application"), "policeLevel"), "options") },
			[]string{`service "skck-application": field "policeLevel": ENUM without options`}},
		{"pattern does not compile", func(_ map[string]any, s svc) { field(s("pip-activation"), "nisn")["pattern"] = "^[0-9{10}$" },
			[]string{`service "pip-activation": field "nisn": pattern does not compile`}},
		{"pattern not anchored", func(_ map[string]any, s svc) { field(s("pip-activation"), "nisn")["pattern"] = "[0-9]{10}" },
			[]string{`service "pip-activation": field "nisn"`, "anchored"}},
		{"text missing its English", func(_ map[string]any, s svc) {
			delete(field(s("lost-item-report"), "location")["label"].(map[string]any), "en")
		}, []string{`service "lost-item-report": field "location": label: missing its English`}},
		{"description missing its Indonesian", func(_ map[string]any, s svc) {
			s("dtsen-appeal")["description"].(map[string]any)["id"] = " "
		}, []string{`service "dtsen-appeal": description: missing its Indonesian`}},
		{"option label missing its English", func(_ map[string]any, s svc) {
			opts := field(s("sim-renewal"), "licenceClass")["options"].([]any)
			delete(opts[0].(map[string]any)["label"].(map[string]any), "en")
		}, []string{`service "sim-renewal": field "licenceClass": option "A": label: missing its English`}},
		{"ONLINE for dukcapil", func(_ map[string]any, s svc) {
			b := s("birth-certificate")
			b["channel"] = "ONLINE"
			delete(b, "offline")
		}, []string{`service "birth-certificate": ONLINE, but agency "dukcapil" does not accept forwarded requests`}},
		{"OFFLINE without offline info", func(_ map[string]any, s svc) { delete(s("ktp-replacement"), "offline") },
			[]string{`service "ktp-replacement": OFFLINE without offline info`}},
		{"offline with nothing to bring", func(_ map[string]any, s svc) { s("kk-update")["offline"].(map[string]any)["bring"] = []any{} },
			[]string{`service "kk-update": offline: bring`}},
		{"unknown agency", func(_ map[string]any, s svc) { s("skck-application")["agency"] = "kpk" },
			[]string{`service "skck-application": unknown agency "kpk"`}},
		{"unknown domain", func(_ map[string]any, s svc) { s("skck-application")["domain"] = "TAX" },
			[]string{`service "skck-application": unknown domain "TAX"`}},
		{"unknown life event", func(_ map[string]any, s svc) { s("skck-application")["lifeEvents"] = []any{"RETIRING"} },
			[]string{`service "skck-application": unknown life event "RETIRING"`}},
		{"unknown field type", func(_ map[string]any, s svc) { field(s("skck-application"), "purpose")["type"] = "TEXTAREA" },
			[]string{`service "skck-application": field "purpose": unknown type "TEXTAREA"`}},
		{"bad relative date", func(_ map[string]any, s svc) { field(s("hospital-queue"), "visitDate")["maxDate"] = "90 days" },
			[]string{`service "hospital-queue": field "visitDate": maxDate`}},
		{"unbounded text", func(_ map[string]any, s svc) { delete(field(s("skck-application"), "purpose"), "maxLength") },
			[]string{`service "skck-application": field "purpose": TEXT needs a maxLength`}},
		{"person identifier not declared", func(_ map[string]any, s svc) {
			sa := s("school-admission")
			sa["fields"] = append(sa["fields"].([]any), map[string]any{"name": "motherNik", "type": "TEXT",
				"label": map[string]any{"id": "NIK ibu", "en": "Mother's NIK"}, "pattern": "^[0-9]{16}$",
				"patternHint": map[string]any{"id": "16 digit angka", "en": "16 digits"}})
		}, []string{`service "school-admission": field "motherNik": the name says it holds a person's NIK`, "declare it a person field"}},
		{"unknown relation", func(_ map[string]any, s svc) {
			field(s("school-admission"), "childNik")["person"] = map[string]any{"identifier": "NIK", "relations": []any{"GRANDCHILD"}}
		}, []string{`service "school-admission": field "childNik": person: unknown relation "GRANDCHILD" (known: SELF, MINOR_CHILD, MANDATE)`}},
		{"no relations", func(_ map[string]any, s svc) {
			field(s("pip-activation"), "nisn")["person"] = map[string]any{"identifier": "NISN"}
		}, []string{`service "pip-activation": field "nisn": person: relations: say who`}},
		{"relation twice", func(_ map[string]any, s svc) {
			field(s("pip-activation"), "nisn")["person"] = map[string]any{"identifier": "NISN", "relations": []any{"SELF", "SELF"}}
		}, []string{`service "pip-activation": field "nisn": person: relation "SELF" listed twice`}},
		{"unknown identifier", func(_ map[string]any, s svc) {
			field(s("school-admission"), "childNik")["person"] = map[string]any{"identifier": "KK", "relations": []any{"MINOR_CHILD"}}
		}, []string{`service "school-admission": field "childNik": person: unknown identifier "KK"`}},
		{"identifier without its pattern", func(_ map[string]any, s svc) {
			field(s("school-admission"), "childNik")["pattern"] = "^[0-9]{10,16}$"
		}, []string{`service "school-admission": field "childNik": person: a NIK field must be TEXT with pattern ^[0-9]{16}$`}},
		{"negative minAge", func(_ map[string]any, s svc) { s("skck-application")["minAge"] = -1 },
			[]string{`service "skck-application": minAge -1 must be between 0 (none) and 100`}},
		{"minAge on an OFFLINE service", func(_ map[string]any, s svc) { s("ktp-replacement")["minAge"] = 17 },
			[]string{`service "ktp-replacement": OFFLINE services cannot be submitted`, "minAge"}},
		{"misspelt key", func(_ map[string]any, s svc) { s("skck-application")["eligibilty"] = []any{} },
			[]string{`unknown field "eligibilty"`}},
		{"life event without services", func(doc map[string]any, _ svc) {
			doc["lifeEvents"] = append(doc["lifeEvents"].([]any), map[string]any{"id": "RETIRING",
				"name": map[string]any{"id": "Pensiun", "en": "Retiring"}, "description": map[string]any{"id": "Masa pensiun.", "en": "Retirement."}})
		}, []string{`life event "RETIRING": no service belongs to it`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(broken(t, tt.change))
			if err == nil {
				t.Fatal("broken catalog accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse(broken(t, func(_ map[string]any, s func(string) map[string]any) {
		s("skck-application")["agency"] = "kpk"
		delete(s("ktp-replacement"), "offline")
	}))
	if err == nil || !strings.Contains(err.Error(), "skck-application") || !strings.Contains(err.Error(), "ktp-replacement") {
		t.Errorf("want both problems in one error, got %v", err)
	}
}

func TestParseRefusesTrailingData(t *testing.T) {
	if _, err := Parse(append(append([]byte{}, embedded...), []byte(`{}`)...)); err == nil {
		t.Error("catalog followed by more JSON accepted")
	}
}
