package redis_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestDeliveriesMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestDeliveries(t, func(t *testing.T) notifications.Deliveries {
		s, err := redis.NewDeliveries(c, fmt.Sprintf("test%d:", n.Add(1)), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestDeliveriesRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestDeliveries(t, func(t *testing.T) notifications.Deliveries {
		s, err := redis.NewDeliveries(c, prefix(t), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestDeliveriesKeysAndExpiry: a record lives in its notification's shard
// (the case's, or the id's hash), names the token by its hash, and expires
// 30 days after its last Set.
func TestDeliveriesKeysAndExpiry(t *testing.T) {
	mr, c := connectMini(t, 0)
	ctx := context.Background()
	s, err := redis.NewDeliveries(c, "satupintu:", secret)
	if err != nil {
		t.Fatal(err)
	}
	d := notifications.Delivery{State: notifications.DeliverySending, Attempts: 1, At: time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)}
	sharded, plain := "07-abcdefghijklmnopqrstuvwxyz-3", "abcdefghijklmnopqrstuvwxyz23-3"
	for _, id := range []string{sharded, plain} {
		if err := s.Set(ctx, id, token, d); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte(plain))
	want := []string{
		"{satupintu:s07}delivery:" + sharded + ":" + tokenName(token),
		fmt.Sprintf("{satupintu:s%02d}delivery:%s:%s", int(sum[0])%16, plain, tokenName(token)),
	}
	wantKeys(t, mr.Keys(), want)
	wantNoToken(t, mr.Keys())
	if ttl := mr.TTL(want[0]); ttl != 30*24*time.Hour {
		t.Errorf("TTL %v; want 30 days", ttl)
	}

	mr.FastForward(29 * 24 * time.Hour)
	if err := s.Set(ctx, sharded, token, d); err != nil { // set again: 30 days from now
		t.Fatal(err)
	}
	mr.FastForward(2 * 24 * time.Hour)
	if _, ok, _ := s.Get(ctx, plain, token); ok {
		t.Error("record still there 31 days after its last Set")
	}
	if _, ok, _ := s.Get(ctx, sharded, token); !ok {
		t.Error("record set again 2 days ago is gone")
	}
}

func TestNotificationConstructorsCheckArguments(t *testing.T) {
	_, c := connectMini(t, 0)
	constructors := map[string]func(prefix string, secret []byte) error{
		"NewDevices":    func(p string, s []byte) error { _, err := redis.NewDevices(c, p, s); return err },
		"NewInbox":      func(p string, s []byte) error { _, err := redis.NewInbox(c, p, s); return err },
		"NewDeliveries": func(p string, s []byte) error { _, err := redis.NewDeliveries(c, p, s); return err },
	}
	for name, f := range constructors {
		if err := f("a{b}:", secret); err == nil {
			t.Errorf("%s with braces in the prefix succeeded", name)
		}
		if err := f("p:", []byte("short")); err == nil {
			t.Errorf("%s with a 5-byte secret succeeded", name)
		}
		if err := f("p:", secret); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
