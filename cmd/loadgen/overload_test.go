package main

import (
	"errors"
	"net/http"
	"testing"
)

// Each answer to home is judged by what satupintu says: shed, complete,
// degraded by its own bulkhead (AGENCY_UNAVAILABLE "… in flight"), by an
// agency's timeout or another agency failure, or failed.
func TestJudgeHome(t *testing.T) {
	const home = `"data":{"home":{"name":"x"}}`
	for _, tt := range []struct {
		name   string
		status int
		body   string
		err    error
		want   verdict
	}{
		{"complete", 200, `{` + home + `}`, nil, vOK},
		{"shed", 503, `{"errors":[{"message":"busy","extensions":{"code":"OVERLOADED","retryAfter":1}}]}`, nil, vShed},
		{"rate limited", 429, `{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}`, nil, vShed},
		{"another 503", 503, `{"errors":[{"message":"down","extensions":{"code":"UNAVAILABLE"}}]}`, nil, vFailed},
		{"bulkhead", 200, `{` + home + `,"errors":[{"message":"too many calls to police in flight","extensions":{"code":"AGENCY_UNAVAILABLE","agency":"POLICE"}}]}`, nil, vBulkhead},
		{"bulkhead after a timeout", 200, `{` + home + `,"errors":[{"message":"slow","extensions":{"code":"AGENCY_TIMEOUT"}},{"message":"too many calls to bpjs in flight","extensions":{"code":"AGENCY_UNAVAILABLE"}}]}`, nil, vBulkhead},
		{"timeout", 200, `{` + home + `,"errors":[{"message":"slow","extensions":{"code":"AGENCY_TIMEOUT"}}]}`, nil, vTimeout},
		{"agency down", 200, `{` + home + `,"errors":[{"message":"police is failing; calls are paused (circuit open)","extensions":{"code":"AGENCY_UNAVAILABLE"}}]}`, nil, vAgency},
		{"not an agency's", 200, `{` + home + `,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`, nil, vFailed},
		{"no home", 200, `{"data":null,"errors":[{"message":"x","extensions":{"code":"UNAUTHENTICATED"}}]}`, nil, vFailed},
		{"transport", 0, ``, errors.New("reset"), vFailed},
		{"a 500", http.StatusInternalServerError, `{}`, nil, vFailed},
	} {
		if got, _ := judgeHome(tt.status, []byte(tt.body), tt.err); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, verdictNames[got], verdictNames[tt.want])
		}
	}
}
