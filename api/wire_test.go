package api

import (
	"reflect"
	"slices"
	"strings"
	"testing"
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
