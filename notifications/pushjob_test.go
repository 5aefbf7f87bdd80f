package notifications

import (
	"encoding/json"
	"reflect"
	"testing"

	sp "github.com/satupintu/satupintu"
)

// decodePushJob reads every payload as json.Unmarshal does: what pushes
// writes without reflection, anything else through encoding/json.
func TestDecodePushJobAsUnmarshal(t *testing.T) {
	written := func(pj pushJob) string { b, _ := json.Marshal(pj); return string(b) }
	payloads := []string{
		written(pushJob{Notification: "n-1-RECEIVED", Citizen: "3174011503900001", Token: "lg-push-abc-0000001"}),
		written(pushJob{Notification: "n-1", Citizen: "3174011503900001", Token: "fcm:APA91b-xyz_1"}),
		written(pushJob{Notification: "n<&>", Citizen: "31", Token: "t\"q\\"}), // escaped by Marshal
		written(pushJob{Notification: "é", Citizen: "31", Token: "t"}),
		written(pushJob{}),
		`{"t":"tok","n":"n-1","c":"31"}`,
		`{"n":"n-1","c":"31","t":"tok","x":1}`,
		` {"n":"n-1","c":"31","t":"tok"}`,
		`{"n":"n-1","c":"31","t":"tok"} `,
		`{"n":"n-1","c":"31","t":"tok"}}`,
		`{"n":"n-1","c":"31","t":"tok`,
		`{"n":"n-1","c":"31","t":"t` + "\x01" + `"}`,
		`{"n":"n-1","c":"31","t":"t` + "\x7f" + `"}`,
		`{"N":"n-1","c":"31","t":"tok"}`,
		`{"n":"a\u0041","c":"31","t":"tok"}`,
		`{"n":"n-1","c":"31","t":5}`,
		`null`, ``, `{}`,
	}
	for _, p := range payloads {
		got, gotErr := decodePushJob([]byte(p))
		var want pushJob
		wantErr := json.Unmarshal([]byte(p), &want)
		if (gotErr == nil) != (wantErr == nil) || (wantErr == nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: %+v %v, json.Unmarshal %+v %v", p, got, gotErr, want, wantErr)
		}
	}
	pj := pushJob{Notification: "n-1", Citizen: sp.NIK("3174011503900001"), Token: "tok"}
	if got, err := decodePushJob([]byte(written(pj))); err != nil || got != pj {
		t.Errorf("round trip: %+v %v", got, err)
	}
}

func FuzzDecodePushJobAsUnmarshal(f *testing.F) {
	f.Add([]byte(`{"n":"n-1","c":"31","t":"tok"}`))
	f.Add([]byte(`{"n":"n\"1","c":"31","t":"tok"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := decodePushJob(b)
		var want pushJob
		wantErr := json.Unmarshal(b, &want)
		if (gotErr == nil) != (wantErr == nil) || (wantErr == nil && got != want) {
			t.Fatalf("%q: %+v %v, json.Unmarshal %+v %v", b, got, gotErr, want, wantErr)
		}
	})
}
