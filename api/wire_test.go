package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
)

// The Go wire shapes have exactly the members agency.yaml documents.
func TestWireShapesMatchTheSpec(t *testing.T) {
	doc := load(t, AgencySpec)
	for schema, v := range map[string]any{"Event": Event{}} {
		var got []string
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
			got = append(got, name)
		}
		var want []string
		for p := range doc.Components.Schemas[schema].Value.Properties {
			want = append(want, p)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s members %v; agency.yaml documents %v", schema, got, want)
		}
	}
}

func TestDecodeEvent(t *testing.T) {
	e, err := DecodeEvent([]byte(`{"caseId":"07-a","eventId":"evt-1","sequence":2,"status":"IN_REVIEW","occurredAt":"2026-03-02T02:14:30Z","message":"Berkas diperiksa"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Event{CaseID: "07-a", EventID: "evt-1", Sequence: 2, Status: "IN_REVIEW",
		OccurredAt: time.Date(2026, 3, 2, 9, 14, 30, 0, sp.Jakarta), Message: "Berkas diperiksa"}
	if e.OccurredAt.Equal(want.OccurredAt) {
		e.OccurredAt = want.OccurredAt
	}
	if e != want {
		t.Errorf("decoded %+v, want %+v", e, want)
	}
	// Any RFC 3339 offset names the same instant.
	for _, at := range []string{"2026-03-02T09:14:30+07:00", "2026-03-02T10:14:30+08:00", "2026-03-02T02:14:30Z", "2026-03-01T21:14:30-05:00"} {
		e, err := DecodeEvent([]byte(`{"occurredAt":"` + at + `"}`))
		if err != nil || !e.OccurredAt.Equal(want.OccurredAt) {
			t.Errorf("occurredAt %s: %v, %v", at, e.OccurredAt, err)
		}
	}
	for body, msg := range map[string]string{
		`[1]`:                                  "the body must be a JSON object: an event",
		`null`:                                 "the body must be a JSON object: an event",
		`{"eventId":`:                          "the body must be a JSON object: an event",
		`{"state":"IN_REVIEW"}`:                `unknown member "state": an event has caseId, eventId, sequence, status, occurredAt and message`,
		`{"EventId":"evt-1"}`:                  `unknown member "EventId": an event has caseId, eventId, sequence, status, occurredAt and message`,
		`{"sequence":"2"}`:                     "sequence must be an integer",
		`{"sequence":2.5}`:                     "sequence must be an integer",
		`{"caseId":7}`:                         "caseId must be a string",
		`{"occurredAt":"yesterday"}`:           "occurredAt must be an RFC 3339 time with an offset, e.g. 2026-03-02T09:14:30+07:00",
		`{"occurredAt":"2026-03-02T09:14:30"}`: "occurredAt must be an RFC 3339 time with an offset, e.g. 2026-03-02T09:14:30+07:00",
	} {
		_, err := DecodeEvent([]byte(body))
		var m Malformed
		if !errors.As(err, &m) || string(m) != msg {
			t.Errorf("%s: %v, want %q", body, err, msg)
		}
	}
}

// satupintu writes its times in one form, whatever their location.
func TestTimeIsWrittenInWIBToTheSecond(t *testing.T) {
	at := time.Date(2026, 3, 2, 2, 14, 30, 123456789, time.UTC)
	b, err := json.Marshal(map[string]any{"at": TimeOf(at)})
	if err != nil || string(b) != `{"at":"2026-03-02T09:14:30+07:00"}` {
		t.Errorf("marshalled %s, %v", b, err)
	}
	var back struct{ At Time }
	if err := json.Unmarshal(b, &back); err != nil || !back.At.Equal(at.Truncate(time.Second)) {
		t.Errorf("read back %v, %v", back.At, err)
	}
}
