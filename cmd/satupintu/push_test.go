package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/queue"
	simfcm "github.com/satupintu/satupintu/sim/fcm"
	"github.com/satupintu/satupintu/sim/seed"
)

const registerDevice = `mutation($in: RegisterDeviceInput!) { registerDevice(input: $in) { device { platform locale } userErrors { field code } } }`

func (ta *testApp) register(tok, token, platform, locale string) {
	ta.t.Helper()
	r := ta.post(tok, registerDevice, map[string]any{"in": map[string]any{
		"token": token, "platform": platform, "locale": locale, "appVersion": "3.2.1"}})
	if len(r.Errors) > 0 || len(list(r.Data, "registerDevice", "userErrors")) > 0 || get(r.Data, "registerDevice", "device") == nil {
		ta.t.Fatalf("registerDevice %s: %+v %v", token, r.Errors, r.Data)
	}
}

// pushes is GET /dev/push: what the fake FCM accepted, oldest first.
func (ta *testApp) pushes() []simfcm.Listed {
	ta.t.Helper()
	resp, err := http.Get(ta.url + "/dev/push")
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []simfcm.Listed
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		ta.t.Fatal(err)
	}
	return out
}

// buriedPushes counts the dead-lettered push jobs to token.
func (ta *testApp) buriedPushes(token string) int {
	ta.t.Helper()
	jobs, err := ta.app.stores.Jobs.Parked(context.Background(), queue.Push, 1000)
	if err != nil {
		ta.t.Fatalf("listing the dead-lettered pushes: %v", err)
	}
	n := 0
	for _, j := range jobs {
		if strings.HasSuffix(j.Key, ":"+notifications.TokenKey(token)) {
			n++
		}
	}
	return n
}

func pushesTo(all []simfcm.Listed, token string) []simfcm.Listed {
	var out []simfcm.Listed
	for _, p := range all {
		if p.Token == token {
			out = append(out, p)
		}
	}
	return out
}

const inboxQuery = `{ notifications { totalCount unreadCount edges { cursor node { id caseId status title body read deepLink case { id } } } } }`

func TestStatusChangesReachEveryDeviceInItsLanguage(t *testing.T) {
	ta := startApp(t, caseEnv)
	tok := ta.token(seed.NIKDewi)
	android, iphone := "fcm-dewi-android-0001", "fcm-dewi-iphone-0001"
	ta.register(tok, android, "ANDROID", "id-ID")
	ta.register(tok, iphone, "IOS", "en-US")

	id := ta.submitOK(tok, "skck-application", "dewi-skck-push-1", skck)
	ta.waitStatus(tok, id, "FORWARDED")
	ta.stepUntil(tok, id, "COMPLETED")
	changes := []string{"FORWARDED", "RECEIVED", "IN_REVIEW", "APPROVED", "COMPLETED"}
	testkit.WaitFor(t, "a push of each change to each device", func() bool { return len(ta.pushes()) >= 2*len(changes) })
	// Once every change is notified and every push job done, nothing more
	// can be sent: a duplicate would be among what FCM holds now.
	ta.waitQuiet()
	all := ta.pushes()

	for _, dev := range []struct{ token, lang, approved string }{
		{android, "id", "Disetujui"}, {iphone, "en", "Approved"},
	} {
		// FCM does not keep order; the app orders by the sequence in the data.
		got := pushesTo(all, dev.token)
		slices.SortFunc(got, func(a, b simfcm.Listed) int {
			x, _ := strconv.Atoi(a.Data["sequence"])
			y, _ := strconv.Atoi(b.Data["sequence"])
			return x - y
		})
		var statuses []string
		for _, p := range got {
			statuses = append(statuses, p.Data["status"])
			if p.CollapseKey != "case-"+id || p.Data["caseId"] != id || p.Data["notificationId"] == "" ||
				p.Data["deepLink"] != "satupintu://cases/"+id || p.Data["sequence"] == "" {
				t.Errorf("%s: push %+v", dev.lang, p)
			}
			if p.Priority != "HIGH" || p.APNSPrio != "10" || p.TTL != "259200s" {
				t.Errorf("%s: priority %s / APNs %s / TTL %s", dev.lang, p.Priority, p.APNSPrio, p.TTL)
			}
			if strings.Contains(p.Title+p.Body, string(seed.NIKDewi)) {
				t.Errorf("a push carries the NIK: %+v", p)
			}
		}
		if !slices.Equal(statuses, changes) {
			t.Errorf("%s device got %v, want each change once: %v", dev.lang, statuses, changes)
		}
		if approved := got[3]; !strings.HasSuffix(approved.Title, dev.approved) {
			t.Errorf("%s device: title %q, want it in its language (…%s)", dev.lang, approved.Title, dev.approved)
		}
	}

	// The inbox holds each change once, unread; the language follows the request.
	r := ta.post(tok, inboxQuery, nil, "Accept-Language", "en")
	if get(r.Data, "notifications", "totalCount") != float64(5) || get(r.Data, "notifications", "unreadCount") != float64(5) {
		t.Fatalf("inbox: %+v %v", r.Errors, get(r.Data, "notifications"))
	}
	edges := list(r.Data, "notifications", "edges")
	if get(edges[0], "node", "status") != "COMPLETED" || !strings.HasSuffix(get(edges[0], "node", "title").(string), "Completed") ||
		get(edges[0], "node", "case", "id") != caseGID(id) {
		t.Errorf("newest notification: %v", edges[0])
	}
	first := get(edges[4], "node", "id")
	r = ta.post(tok, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { marked unreadCount } }`, map[string]any{"ids": []any{first}})
	if get(r.Data, "markNotificationsRead", "marked") != float64(1) || get(r.Data, "markNotificationsRead", "unreadCount") != float64(4) {
		t.Errorf("mark one: %v", r.Data)
	}
	r = ta.post(tok, `{ notifications(unreadOnly: true) { totalCount edges { node { id } } } }`, nil)
	if len(list(r.Data, "notifications", "edges")) != 4 {
		t.Errorf("unread only: %v", r.Data)
	}
	r = ta.post(tok, `mutation { markNotificationsRead { marked unreadCount } }`, nil)
	if get(r.Data, "markNotificationsRead", "marked") != float64(4) || get(r.Data, "markNotificationsRead", "unreadCount") != float64(0) {
		t.Errorf("mark all: %v", r.Data)
	}
	r = ta.post(tok, `mutation($id: ID!) { deleteNotification(id: $id) { deleted } }`, map[string]any{"id": first})
	if get(r.Data, "deleteNotification", "deleted") != true {
		t.Errorf("delete: %v", r.Data)
	}
	if r := ta.post(tok, inboxQuery, nil); get(r.Data, "notifications", "totalCount") != float64(4) {
		t.Errorf("after delete: %v", get(r.Data, "notifications", "totalCount"))
	}
}

func TestPushFailuresFollowThePolicy(t *testing.T) {
	ta := startApp(t, withEnv(map[string]string{
		"SATUPINTU_PUSH_BACKOFF_BASE": "10ms", "SATUPINTU_PUSH_BACKOFF_MAX": "40ms", "SATUPINTU_PUSH_MAX_ATTEMPTS": "4",
	}))
	tok := ta.token(seed.NIKDewi)
	tokens := map[string]string{
		"unregistered": "unregistered-dewi-1", "quota": "quota-dewi-1", "flaky": "flaky-dewi-1",
		"invalid": "invalid-dewi-1", "badtoken": "badtoken-dewi-1", "good": "good-dewi-1",
	}
	for _, tk := range tokens {
		ta.register(tok, tk, "ANDROID", "id")
	}
	fake := ta.sandbox.FCM()
	id := ta.submitOK(tok, "skck-application", "dewi-skck-policy", skck)
	ta.waitStatus(tok, id, "FORWARDED")

	// The good and the flaky token are delivered (the SDK rides out two 503s).
	testkit.WaitFor(t, "the good and the flaky token's pushes", func() bool {
		all := ta.pushes()
		return len(pushesTo(all, tokens["good"])) == 1 && len(pushesTo(all, tokens["flaky"])) == 1
	})
	// quota-: retried after its Retry-After (1s), MAX_ATTEMPTS in all.
	testkit.WaitFor(t, "the quota- token's retry", func() bool { return fake.Requests(tokens["quota"]) >= 2 })
	if gap := fake.LastGap(tokens["quota"]); gap < time.Second {
		t.Errorf("quota- retried %s after the 429; Retry-After said 1s", gap)
	}
	// unregistered- and badtoken-: tried once, then the token is gone.
	devices := func() []string {
		var out []string
		r := ta.post(tok, `{ devices { platform } }`, nil)
		for range list(r.Data, "devices") {
			out = append(out, "d")
		}
		return out
	}
	testkit.WaitFor(t, "the two dead tokens to be deleted", func() bool { return len(devices()) == 4 })
	// The next change is not sent to the dead tokens again.
	ta.stepUntil(tok, id, "RECEIVED")
	testkit.WaitFor(t, "the second push to the good token", func() bool { return len(pushesTo(ta.pushes(), tokens["good"])) == 2 })
	for _, dead := range []string{"unregistered", "badtoken"} {
		if n := fake.Requests(tokens[dead]); n != 1 {
			t.Errorf("%s- token tried %d times, want once and never again", dead, n)
		}
	}
	// invalid-: the message is at fault: failed, dead-lettered, not retried.
	// Once both of its jobs are dead letters, no retry of them can follow:
	// what FCM has seen of the token by then is all it will ever see.
	testkit.WaitFor(t, "both invalid- pushes to be dead-lettered", func() bool {
		return ta.buriedPushes(tokens["invalid"]) >= 2 &&
			strings.Contains(scrape(t, ta.url), `satupintu_pushes_total{result="INVALID_MESSAGE"} 2`)
	})
	if n := fake.Requests(tokens["invalid"]); n != 2 { // once per notification
		t.Errorf("invalid- token tried %d times for two notifications, want 2", n)
	}
	metrics := scrape(t, ta.url)
	for _, want := range []string{
		`satupintu_pushes_total{result="INVALID_MESSAGE"} 2`,
		`satupintu_pushes_total{result="UNREGISTERED"} 1`,
		`satupintu_pushes_total{result="INVALID_TOKEN"} 1`,
		`satupintu_push_retries_total`, `satupintu_push_queue_depth`, `satupintu_push_send_duration_seconds_bucket`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestNotificationsAndDevicesArePrivate(t *testing.T) {
	ta := startApp(t, caseEnv)
	dewi, budi := ta.token(seed.NIKDewi), ta.token(seed.NIKBudi)
	ta.register(dewi, "shared-phone-token-1", "ANDROID", "id")
	id := ta.submitOK(dewi, "skck-application", "dewi-private-push", skck)
	ta.waitStatus(dewi, id, "FORWARDED")
	var note any
	testkit.WaitFor(t, "Dewi's first notification", func() bool {
		r := ta.post(dewi, inboxQuery, nil)
		note = get(r.Data, "notifications", "edges", 0, "node", "id")
		return note != nil
	})

	if r := ta.post(budi, inboxQuery, nil); get(r.Data, "notifications", "totalCount") != float64(0) {
		t.Errorf("Budi reads Dewi's inbox: %v", r.Data)
	}
	r := ta.post(budi, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { marked } }`, map[string]any{"ids": []any{note}})
	if get(r.Data, "markNotificationsRead", "marked") != float64(0) {
		t.Errorf("Budi marks Dewi's notification: %v", r.Data)
	}
	r = ta.post(budi, `mutation($id: ID!) { deleteNotification(id: $id) { deleted } }`, map[string]any{"id": note})
	if get(r.Data, "deleteNotification", "deleted") != false {
		t.Errorf("Budi deletes Dewi's notification: %v", r.Data)
	}
	if r := ta.post(dewi, inboxQuery, nil); get(r.Data, "notifications", "unreadCount") != float64(1) {
		t.Errorf("Dewi's notification changed: %v", get(r.Data, "notifications"))
	}
	r = ta.post(budi, `mutation { unregisterDevice(token: "shared-phone-token-1") { removed } }`, nil)
	if get(r.Data, "unregisterDevice", "removed") != false {
		t.Errorf("Budi unregisters Dewi's device: %v", r.Data)
	}

	// The phone passes to Budi, once the push of FORWARDED has reached it
	// (it was Dewi's phone then): Dewi's next change is not pushed to it.
	testkit.WaitFor(t, "the push of FORWARDED to Dewi's phone", func() bool { return len(pushesTo(ta.pushes(), "shared-phone-token-1")) == 1 })
	ta.register(budi, "shared-phone-token-1", "ANDROID", "id")
	before := len(pushesTo(ta.pushes(), "shared-phone-token-1"))
	ta.stepUntil(dewi, id, "RECEIVED")
	testkit.WaitFor(t, "Dewi's second notification", func() bool {
		r := ta.post(dewi, inboxQuery, nil)
		return get(r.Data, "notifications", "totalCount") == float64(2)
	})
	ta.waitQuiet() // the change's pushes, if any, are all done: none is still to leave
	if n := len(pushesTo(ta.pushes(), "shared-phone-token-1")); n != before {
		t.Errorf("Dewi's case was pushed to the phone now registered to Budi")
	}
}

// A push worker that dies after the notification is persisted but before
// the push is sent: another instance delivers it, once per device (River
// rescues the dead worker's jobs).
func TestPushDeliveredOnceAfterAWorkerDies(t *testing.T) {
	env, sb := productionEnv(t)
	env["SATUPINTU_QUEUE_VISIBILITY"], env["SATUPINTU_JOB_TIMEOUT"] = "300ms", "1s"
	env["SATUPINTU_PUSH_CONCURRENCY"] = "0" // the first instance sends no pushes
	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	first := startProduction(t, env)
	first.register(tok, "fcm-dewi-tablet-1", "ANDROID", "id")
	first.register(tok, "fcm-dewi-phone-1", "IOS", "en")
	id := first.submitOK(tok, "skck-application", "dewi-push-crash-1", skck)
	first.waitStatus(tok, id, "FORWARDED")
	testkit.WaitFor(t, "Dewi's notification", func() bool {
		r := first.post(tok, inboxQuery, nil)
		return get(r.Data, "notifications", "totalCount") == float64(1)
	})

	// A worker claims the two pushes and dies before sending them.
	// The inbox entry is written before its pushes are enqueued, so the
	// worker keeps claiming until both are in its hands.
	claimed := 0
	testkit.WaitFor(t, "the doomed worker to claim both pushes", func() bool {
		claimed += claimAsDeadWorker(t, env["DATABASE_URL"], queue.Push)
		return claimed >= 2
	})
	if claimed != 2 {
		t.Fatalf("the doomed worker claimed %d pushes, want 2", claimed)
	}
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	env["SATUPINTU_PUSH_CONCURRENCY"] = "4"
	second := startProduction(t, env)
	defer second.stop()
	testkit.WaitFor(t, "the second instance to deliver both pushes", func() bool { return len(sb.FCM().Accepted()) >= 2 })
	// The dead worker's jobs are rescued, the second instance runs them,
	// sends, and acks: once the push queue is empty nothing can be sent
	// again, so a duplicate would be among what FCM holds now.
	second.waitQuiet()
	for _, token := range []string{"fcm-dewi-tablet-1", "fcm-dewi-phone-1"} {
		n := 0
		for _, m := range sb.FCM().Accepted() {
			if m.Token == token {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s received the push %d times, want exactly once", token, n)
		}
	}
}
