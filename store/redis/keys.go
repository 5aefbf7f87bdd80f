package redis

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	sp "github.com/satupintu/satupintu"
)

// Key layout. Redis holds only what may be lost and rebuilt (the durable
// ports are PostgreSQL's); citizens appear in key and channel names only
// as an HMAC of their NIK.
//
//	<p>cache:…                    agency read cache entries (sealed), with their TTL
//	<p>apq:<sha256>               automatic persisted queries
//	rate:<p>…                     rate-limit counters (redis_rate)
//	<p>webhook-seen:sig:<t>:<v1>  "1" while a webhook signature may not be used again
//	<p>updates:<citizen>          pub/sub channel of case updates
//
// <citizen> is hex(HMAC-SHA256(secret, NIK)[:16]).

// keyspace builds the keys of one deployment.
type keyspace struct {
	prefix string
	secret []byte
}

func newKeyspace(prefix string, secret []byte) (keyspace, error) {
	if strings.ContainsAny(prefix, "{}") {
		return keyspace{}, fmt.Errorf("redis key prefix %q must not contain { or }: they delimit Cluster hash tags", prefix)
	}
	if len(secret) < 16 {
		return keyspace{}, errors.New("redis citizen key secret must be at least 16 bytes")
	}
	return keyspace{prefix: prefix, secret: secret}, nil
}

// citizen is the pseudonym of a NIK in channel names.
func (k keyspace) citizen(n sp.NIK) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(n))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (k keyspace) channel(citizen string) string {
	return k.prefix + "updates:" + citizen
}
