// Package redis holds the Redis engines of the store ports whose state
// may be lost and rebuilt: the agency read cache, APQ, rate limits, the
// webhook replay guard and the caseUpdated fan-out, shared by the
// instances of a deployment. What must not be lost is PostgreSQL's
// (store/postgres). It uses go-redis v9.
//
// [Connect] takes REDIS_URL in one of these forms:
//
//	redis://[[user]:password@]host[:port][/db][?options]
//	rediss://[[user]:password@]host[:port][/db][?options]        TLS
//	redis-sentinel://[[user]:password@]host1:port1[,host2:port2...][/db]?master=NAME[&options]
//	rediss-sentinel://...                                         TLS to Sentinels and Redis
//	redis-cluster://[[user]:password@]host1:port1[,host2:port2...][?options]
//	rediss-cluster://...                                          TLS
//
// The port defaults to 6379 and the database to 0; a cluster has database 0
// only. Special characters in the user or password must be percent-encoded.
// For Sentinel, the user and password are those of the Redis servers; the
// Sentinels' own, if they require one, go in the sentinel_username and
// sentinel_password options. master_name is accepted for master. Options are
// go-redis's own URL parameters (dial_timeout=2s, pool_size=20, ...; see
// redis.ParseURL, redis.ParseFailoverURL and redis.ParseClusterURL), which
// parse every form once the host list is rewritten.
//
// Errors never echo the URL, since it carries the password.
package redis
