package redis_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestDevicesMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestDevices(t, func(t *testing.T) notifications.Devices {
		s, err := redis.NewDevices(c, fmt.Sprintf("test%d:", n.Add(1)), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestDevicesRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestDevices(t, func(t *testing.T) notifications.Devices {
		s, err := redis.NewDevices(c, prefix(t), secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// tokenName is a token in key names, computed independently of the engine.
func tokenName(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])[:32]
}

const token = "dGVzdA:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ"

func TestDevicesKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 0)
	ctx := context.Background()
	s, err := redis.NewDevices(c, "satupintu:", secret)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)
	d := notifications.Device{Token: token, Citizen: nik, Platform: notifications.PlatformAndroid, Locale: sp.LangID,
		AppVersion: "3.2.1", RegisteredAt: at, LastSeen: at}
	if err := s.Register(ctx, d); err != nil {
		t.Fatal(err)
	}
	name, shard := pseudonym(nik)
	record := "satupintu:device:" + tokenName(token)
	set := fmt.Sprintf("{satupintu:s%02d}devices:%s", shard, name)
	wantKeys(t, mr.Keys(), []string{record, set})
	wantNoToken(t, mr.Keys())
	if members, _ := mr.Members(set); len(members) != 1 || members[0] != tokenName(token) {
		t.Errorf("the citizen's set holds %v; want the token's name", members)
	}
	if got := mr.HGet(record, "citizen"); got != string(nik) {
		t.Errorf("record owner %q; want the NIK (values may hold it, key names not)", got)
	}

	// Moved to another citizen: the first one's set is gone (empty).
	other := sp.NIK("3273024101850002")
	d.Citizen = other
	if err := s.Register(ctx, d); err != nil {
		t.Fatal(err)
	}
	otherName, otherShard := pseudonym(other)
	wantKeys(t, mr.Keys(), []string{record, fmt.Sprintf("{satupintu:s%02d}devices:%s", otherShard, otherName)})
}

// TestDevicesStaleMembers: set members whose record is gone or names
// someone else (a crash between the record and the sets) are not listed,
// and are dropped.
func TestDevicesStaleMembers(t *testing.T) {
	mr, c := connectMini(t, 0)
	ctx := context.Background()
	s, _ := redis.NewDevices(c, "p:", secret)
	at := time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)
	if err := s.Register(ctx, notifications.Device{Token: token, Citizen: nik, LastSeen: at, RegisteredAt: at}); err != nil {
		t.Fatal(err)
	}
	name, shard := pseudonym(nik)
	set := fmt.Sprintf("{p:s%02d}devices:%s", shard, name)
	// The record moved to another citizen, the sets were not fixed; and a
	// member without any record.
	mr.HSet("p:device:"+tokenName(token), "citizen", "3273024101850002")
	mr.SetAdd(set, tokenName("gone"))

	ds, err := s.OfCitizen(ctx, nik, time.Time{})
	if err != nil || len(ds) != 0 {
		t.Fatalf("OfCitizen = %+v, %v; want no devices", ds, err)
	}
	if mr.Exists(set) {
		members, _ := mr.Members(set)
		t.Errorf("stale members %v left in the set", members)
	}
}

// TestDevicesPruneLeavesNothing: a pruned device's record and set member
// both go.
func TestDevicesPruneLeavesNothing(t *testing.T) {
	mr, c := connectMini(t, 0)
	ctx := context.Background()
	s, _ := redis.NewDevices(c, "p:", secret)
	at := time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)
	if err := s.Register(ctx, notifications.Device{Token: token, Citizen: nik, LastSeen: at, RegisteredAt: at}); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.OfCitizen(ctx, nik, at.Add(time.Millisecond)); err != nil || len(ds) != 0 {
		t.Fatalf("OfCitizen after its last sight = %+v, %v; want none", ds, err)
	}
	wantKeys(t, mr.Keys(), nil)
}

// wantNoToken: no key name holds the token or a part of it.
func wantNoToken(t *testing.T, keys []string) {
	t.Helper()
	for _, k := range keys {
		if strings.Contains(k, token[:12]) {
			t.Errorf("key %q holds the token", k)
		}
	}
}
