package redis

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	sp "github.com/satupintu/satupintu"
)

// Key layout. Everything a citizen touches lives in one of shards shards;
// the keys of one shard share the Cluster hash tag {<prefix>sNN}, so that
// one MULTI/EXEC or script can write a case, its indexes and its queue jobs
// on any deployment (single node, Sentinel or Cluster). Citizens appear in
// key and channel names only as an HMAC of their NIK.
//
//	{p sNN}case:<caseID>                      case JSON
//	{p sNN}idem:<citizen>:<sha256(key)>       case id, per idempotency key
//	{p sNN}cases:<citizen>                    ZSET case ids by created ms
//	{p sNN}cases:<citizen>:<STATUS>           the same, per status
//	{p sNN}open:<citizen>:<serviceID>         case id of the single open case
//	{p sNN}open-agency:<agency>               ZSET open case ids by created ms
//	{p sNN}q:<queue>                          stream, consumer group "workers"
//	{p sNN}q:<queue>:delayed                  ZSET scheduled and retried jobs by due ms
//	{p sNN}q:<queue>:parked                   HASH job id -> parked job
//	{p sNN}q:<queue>:parked-at                ZSET parked job ids by parking ms
//	{p sNN}q:<queue>:unique                   HASH key -> id of the pending unique job
//	<p>updates:<citizen>                      pub/sub channel of case updates
//	<p>device:<token>                         HASH device record (no hash tag: used alone)
//	{p sNN}devices:<citizen>                  SET <token>s of the citizen's devices
//	{p sNN}inbox:<citizen>                    ZSET notification ids by created ms
//	{p sNN}inbox:<citizen>:unread             ZSET the unread ones, the same way
//	{p sNN}inbox:<citizen>:items              HASH id -> notification JSON (no readAt)
//	{p sNN}inbox:<citizen>:read               HASH id -> readAt (RFC 3339)
//	{p sNN}delivery:<notificationID>:<token>  delivery JSON, 30-day TTL; shard of the id
//	<p>webhook-seen:sig:<t>:<v1>              "1" while a webhook signature may not be used again
//
// In devices and deliveries, <token> is hex(SHA-256(FCM token))[:32]:
// tokens are credentials and stay out of key names.
//
// <citizen> is hex(HMAC-SHA256(secret, NIK)[:16]); its first byte mod 16
// is the shard. A case id is "NN-" and 26 base32 characters (128 random
// bits), so a Get by id finds its shard.
const shards = 16

// keyspace builds the keys of one deployment.
type keyspace struct {
	prefix string
	secret []byte // nil for a keyspace that never names citizens (a queue)
}

func newKeyspace(prefix string, secret []byte, needSecret bool) (keyspace, error) {
	if strings.ContainsAny(prefix, "{}") {
		return keyspace{}, fmt.Errorf("redis key prefix %q must not contain { or }: they delimit Cluster hash tags", prefix)
	}
	if needSecret && len(secret) < 16 {
		return keyspace{}, errors.New("redis citizen key secret must be at least 16 bytes")
	}
	return keyspace{prefix: prefix, secret: secret}, nil
}

// tag is the hash tag of a shard: the keys of one shard hash to one slot.
func (k keyspace) tag(shard int) string {
	return fmt.Sprintf("{%ss%02d}", k.prefix, shard)
}

// citizen is the pseudonym of a NIK in key names and its shard.
func (k keyspace) citizen(n sp.NIK) (name string, shard int) {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(n))
	sum := m.Sum(nil)[:16]
	return hex.EncodeToString(sum), int(sum[0]) % shards
}

func (k keyspace) caseKey(id string) (string, bool) {
	shard, ok := parseCaseID(id)
	if !ok {
		return "", false
	}
	return k.tag(shard) + "case:" + id, true
}

func (k keyspace) idemKey(shard int, citizen, idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return k.tag(shard) + "idem:" + citizen + ":" + hex.EncodeToString(sum[:])
}

// listKey is the citizen's case list, of one status or ("") all.
func (k keyspace) listKey(shard int, citizen string, status string) string {
	key := k.tag(shard) + "cases:" + citizen
	if status != "" {
		key += ":" + status
	}
	return key
}

func (k keyspace) openKey(shard int, citizen, serviceID string) string {
	return k.tag(shard) + "open:" + citizen + ":" + serviceID
}

func (k keyspace) openAgencyKey(shard int, a sp.Agency) string {
	return k.tag(shard) + "open-agency:" + string(a)
}

func (k keyspace) channel(citizen string) string {
	return k.prefix + "updates:" + citizen
}

// queueKeys are the keys of the jobs of one kind in one shard; <queue> is
// the kind's queue name (forwards, changes, pushes, polls).
type queueKeys struct {
	stream, delayed, parked, parkedAt, unique string
}

func (k keyspace) queue(name string, shard int) queueKeys {
	base := k.tag(shard) + "q:" + name
	return queueKeys{stream: base, delayed: base + ":delayed", parked: base + ":parked", parkedAt: base + ":parked-at",
		unique: base + ":unique"}
}

var caseIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newCaseID returns a fresh id in shard: "07-" and 128 random bits.
func newCaseID(shard int) string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%02d-%s", shard, caseIDEncoding.EncodeToString(b[:]))
}

// parseCaseID returns the shard a case id names, if it is well formed.
func parseCaseID(id string) (shard int, ok bool) {
	if len(id) != 3+26 || id[2] != '-' {
		return 0, false
	}
	shard, ok = shardPrefix(id)
	if !ok {
		return 0, false
	}
	if b, err := caseIDEncoding.DecodeString(id[3:]); err != nil || len(b) != 16 {
		return 0, false
	}
	return shard, true
}

// shardPrefix reads the "NN-" a case id (and the keys derived from it, such
// as "<case id>:cancel", and job ids) starts with.
func shardPrefix(id string) (int, bool) {
	if len(id) < 3 || id[2] != '-' || id[0] < '0' || id[0] > '9' || id[1] < '0' || id[1] > '9' {
		return 0, false
	}
	n := int(id[0]-'0')*10 + int(id[1]-'0')
	return n, n < shards
}

// jobShard places a job by its key: with its case when the key names one,
// else by a hash of the key. (Deliveries are placed by notification id the
// same way.)
func jobShard(id string) int {
	if n, ok := shardPrefix(id); ok {
		return n
	}
	sum := sha256.Sum256([]byte(id))
	return int(sum[0]) % shards
}

// tokenName is a device token as it appears in key names.
func tokenName(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// deviceKey is the record of the token named name (by tokenName).
func (k keyspace) deviceKey(name string) string {
	return k.prefix + "device:" + name
}

func (k keyspace) devicesKey(shard int, citizen string) string {
	return k.tag(shard) + "devices:" + citizen
}

// inboxKeys are the keys of one citizen's inbox, all in the citizen's shard.
type inboxKeys struct {
	all, unread, items, read string
}

func (k keyspace) inbox(shard int, citizen string) inboxKeys {
	base := k.tag(shard) + "inbox:" + citizen
	return inboxKeys{all: base, unread: base + ":unread", items: base + ":items", read: base + ":read"}
}

// deliveryKey places a delivery with its notification: in the shard of the
// case the id starts with, else by a hash of the id (as queue jobs).
func (k keyspace) deliveryKey(notificationID, token string) string {
	return k.tag(jobShard(notificationID)) + "delivery:" + notificationID + ":" + tokenName(token)
}
