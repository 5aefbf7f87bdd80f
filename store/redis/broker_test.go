package redis_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func newBroker(t *testing.T, c goredis.UniversalClient, prefix string) *redis.Broker {
	t.Helper()
	b, err := redis.NewBroker(c, prefix, secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestBrokerMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestBroker(t, func(t *testing.T) cases.Broker {
		return newBroker(t, c, fmt.Sprintf("test%d:", n.Add(1)))
	})
}

func TestBrokerRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestBroker(t, func(t *testing.T) cases.Broker { return newBroker(t, c, prefix(t)) })
}

// TestBrokerAcrossInstances: an update published through one instance's
// broker reaches a subscriber of another's; another deployment (prefix)
// hears nothing.
func TestBrokerAcrossInstances(t *testing.T) {
	_, c := connectMini(t, 0)
	a, b := newBroker(t, c, "p:"), newBroker(t, c, "p:")
	other := newBroker(t, c, "q:")
	ctx := context.Background()
	onB, cancel, err := b.Subscribe(ctx, nik, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	onOther, cancelOther, err := other.Subscribe(ctx, nik, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cancelOther()
	u := cases.Update{CaseID: "07-x", Citizen: nik, Status: cases.StatusApproved, Version: 5}
	if err := a.Publish(ctx, u); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-onB:
		if got.CaseID != u.CaseID || got.Version != 5 || got.Status != cases.StatusApproved {
			t.Errorf("B got %+v; want %+v", got, u)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("update published on A did not reach B")
	}
	// An update of the other deployment's own, published after u, is the
	// first its subscriber may hear: it hears in the order Redis published.
	mark := cases.Update{CaseID: "07-mark", Citizen: nik, Status: cases.StatusReceived, Version: 1}
	if err := other.Publish(ctx, mark); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-onOther:
		if got.CaseID != mark.CaseID {
			t.Errorf("a broker under another prefix got %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other deployment's own update did not reach its subscriber")
	}
}

// TestBrokerSharesSubscriptions: subscribers of one citizen share one Redis
// subscription, dropped with the last of them.
func TestBrokerSharesSubscriptions(t *testing.T) {
	mr, c := connectMini(t, 0)
	b := newBroker(t, c, "p:")
	name, _ := pseudonym(nik)
	channel := "p:updates:" + name
	ctx := context.Background()
	_, cancel1, err := b.Subscribe(ctx, nik, "")
	if err != nil {
		t.Fatal(err)
	}
	_, cancel2, err := b.Subscribe(ctx, nik, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := mr.PubSubNumSub(channel)[channel]; n != 1 {
		t.Errorf("%d subscriptions to the citizen's channel; want 1 shared", n)
	}
	cancel1()
	if n := mr.PubSubNumSub(channel)[channel]; n != 1 {
		t.Errorf("%d subscriptions after one of two left; want 1", n)
	}
	cancel2()
	testkit.WaitFor(t, "the subscription to be dropped", func() bool { return mr.PubSubNumSub(channel)[channel] == 0 })
}

// waitDelivery publishes u until sub receives it: after a reconnection the
// subscription comes back asynchronously.
func waitDelivery(t *testing.T, b *redis.Broker, sub <-chan *cases.Update, u cases.Update) {
	t.Helper()
	testkit.WaitWithin(t, 10*time.Second, "an update delivered after the connection came back", func() bool {
		_ = b.Publish(context.Background(), u) // fails while Redis is away
		select {
		case got, ok := <-sub:
			if !ok {
				t.Fatal("subscription closed")
			}
			return got.CaseID == u.CaseID
		case <-time.After(100 * time.Millisecond):
			return false
		}
	})
}

// TestBrokerSurvivesRestart: the pub/sub connection drops with the server;
// go-redis reconnects and subscribes again, and updates flow.
func TestBrokerSurvivesRestart(t *testing.T) {
	mr, c := connectMini(t, 0)
	b := newBroker(t, c, "p:")
	sub, cancel, err := b.Subscribe(context.Background(), nik, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	mr.Close()
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	waitDelivery(t, b, sub, cases.Update{CaseID: "after-restart", Citizen: nik, Version: 2})
}

// TestBrokerReconnectsRealRedis kills the broker's pub/sub connection on a
// real server (CLIENT KILL) and checks that it comes back subscribed, on one
// connection.
func TestBrokerReconnectsRealRedis(t *testing.T) {
	rawURL := os.Getenv("REDIS_URL")
	if rawURL == "" {
		t.Skip("REDIS_URL not set")
	}
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		t.Skipf("needs a redis:// URL: %v", err)
	}
	opts.ClientName = "satupintu-test-" + rand.Text()[:10]
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	b := newBroker(t, c, "satupintu-test:"+rand.Text()[:10]+":")
	ctx := context.Background()
	sub, cancel, err := b.Subscribe(ctx, nik, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if _, cancel2, err := b.Subscribe(ctx, "3273024101850002", ""); err != nil {
		t.Fatal(err)
	} else {
		defer cancel2()
	}
	ids := pubsubClients(t, c, opts.ClientName)
	if len(ids) != 1 {
		t.Fatalf("%d pub/sub connections for two citizens; want 1", len(ids))
	}
	if err := c.Do(ctx, "CLIENT", "KILL", "ID", ids[0]).Err(); err != nil {
		t.Fatal(err)
	}
	waitDelivery(t, b, sub, cases.Update{CaseID: "after-kill", Citizen: nik, Version: 2})
	if after := pubsubClients(t, c, opts.ClientName); len(after) != 1 || after[0] == ids[0] {
		t.Errorf("pub/sub connections after the kill: %v; want one new one (not %s)", after, ids[0])
	}
}

// pubsubClients lists the ids of the server's pub/sub connections named name.
func pubsubClients(t *testing.T, c *goredis.Client, name string) []string {
	t.Helper()
	list, err := c.Do(context.Background(), "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for line := range strings.SplitSeq(strings.TrimSpace(list), "\n") {
		fields := strings.Fields(line)
		if slices.Contains(fields, "name="+name) {
			for _, f := range fields {
				if id, ok := strings.CutPrefix(f, "id="); ok {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}
