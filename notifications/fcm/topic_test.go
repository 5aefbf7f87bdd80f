package fcm

import (
	"strings"
	"testing"
)

// isWebTopic is the RFC 8030 pattern webTopic spells.
func TestIsWebTopicIsThePattern(t *testing.T) {
	for _, s := range []string{"", "a", "case-c-1", "case_C-9", "case:1", "case c", "é", strings.Repeat("a", 32), strings.Repeat("a", 33),
		"a\n", "\na", "a.b", "a/b", "a+b", "a=b", "Z", "z", "0", "9", "-", "_"} {
		if got, want := isWebTopic(s), webTopic.MatchString(s); got != want {
			t.Errorf("isWebTopic(%q) = %v, want %v", s, got, want)
		}
	}
}
