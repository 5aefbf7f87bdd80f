package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestInboxMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestInbox(t, func(t *testing.T) notifications.Inbox {
		s, err := redis.NewInbox(c, fmt.Sprintf("test%d:", n.Add(1)), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestInboxRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestInbox(t, func(t *testing.T) notifications.Inbox {
		s, err := redis.NewInbox(c, prefix(t), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestInboxKeyLayout: an inbox is four keys in the citizen's shard (one
// slot, for the scripts), named by the citizen's HMAC.
func TestInboxKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 0)
	ctx := context.Background()
	s, err := redis.NewInbox(c, "satupintu:", secret)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)
	name, shard := pseudonym(nik)
	id := fmt.Sprintf("%02d-abcdefghijklmnopqrstuvwxyz-2", (shard+1)%16) // the id's shard is not used
	for _, n := range []string{id, "plain-2"} {
		if _, err := s.Add(ctx, notifications.Notification{ID: n, Citizen: nik, Title: sp.Text{ID: "x"}, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkRead(ctx, nik, []string{"plain-2"}, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("{satupintu:s%02d}inbox:%s", shard, name)
	wantKeys(t, mr.Keys(), []string{base, base + ":unread", base + ":items", base + ":read"})
	if got := mr.HGet(base+":read", "plain-2"); got != "2025-08-17T10:00:00Z" {
		t.Errorf("readAt stored as %q", got)
	}
	if unread, _ := mr.ZMembers(base + ":unread"); len(unread) != 1 || unread[0] != id {
		t.Errorf("unread %v; want [%s]", unread, id)
	}

	// Deleting the last ones leaves no keys behind.
	for _, n := range []string{id, "plain-2"} {
		if ok, err := s.Delete(ctx, nik, n); err != nil || !ok {
			t.Fatalf("Delete(%s) = %v, %v", n, ok, err)
		}
	}
	wantKeys(t, mr.Keys(), nil)
}
