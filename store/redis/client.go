package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ConnectOptions tunes the client for a hot read path: a slow Redis must
// fail fast so callers fall back to the source. Zero fields take the URL's
// option if it has one, else the default.
type ConnectOptions struct {
	DialTimeout  time.Duration // default 1s
	ReadTimeout  time.Duration // default 500ms
	WriteTimeout time.Duration // default 500ms
	MaxRetries   int           // retries of a failed command; -1 for none; default 1
}

// Connect opens a client for rawURL (see the package comment for the forms)
// and PINGs it, so a wrong address or password stops the start with a clear
// error. The caller closes the client.
func Connect(ctx context.Context, rawURL string, opts ConnectOptions) (goredis.UniversalClient, error) {
	e, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	e.configure(opts)
	c := e.client()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %w", e, err)
	}
	return c, nil
}

// endpoint is a parsed REDIS_URL: exactly one field is set.
type endpoint struct {
	single   *goredis.Options
	sentinel *goredis.FailoverOptions
	cluster  *goredis.ClusterOptions
}

// String names the servers, never the credentials.
func (e endpoint) String() string {
	switch {
	case e.sentinel != nil:
		return fmt.Sprintf("%s (Sentinel, master %q)", strings.Join(e.sentinel.SentinelAddrs, ","), e.sentinel.MasterName)
	case e.cluster != nil:
		return strings.Join(e.cluster.Addrs, ",") + " (Cluster)"
	default:
		return e.single.Addr
	}
}

func (e endpoint) client() goredis.UniversalClient {
	switch {
	case e.sentinel != nil:
		return goredis.NewFailoverClient(e.sentinel)
	case e.cluster != nil:
		return goredis.NewClusterClient(e.cluster)
	default:
		return goredis.NewClient(e.single)
	}
}

// configure applies the timeouts: opts first, then the URL's, then defaults.
func (e endpoint) configure(opts ConnectOptions) {
	switch {
	case e.sentinel != nil:
		o := e.sentinel
		opts.apply(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries)
		o.ContextTimeoutEnabled = true
	case e.cluster != nil:
		o := e.cluster
		opts.apply(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries)
		o.ContextTimeoutEnabled = true
	default:
		o := e.single
		opts.apply(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries)
		// The caller's deadline (e.g. the agency cache's budget) bounds each command.
		o.ContextTimeoutEnabled = true
	}
}

func (opts ConnectOptions) apply(dial, read, write *time.Duration, retries, dialAttempts *int) {
	pick(dial, opts.DialTimeout, time.Second)
	pick(read, opts.ReadTimeout, 500*time.Millisecond)
	pick(write, opts.WriteTimeout, 500*time.Millisecond)
	pick(retries, opts.MaxRetries, 1)
	// One dial per attempt: go-redis would redial 5 times, 100ms apart,
	// before a command even fails; MaxRetries already retries.
	pick(dialAttempts, 0, 1)
}

// pick sets *field to opt if given, else leaves the URL's value, else def.
func pick[T comparable](field *T, opt, def T) {
	var zero T
	switch {
	case opt != zero:
		*field = opt
	case *field == zero:
		*field = def
	}
}

func parseURL(raw string) (endpoint, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return endpoint{}, errors.New("invalid REDIS_URL: want redis://host:port/db (or rediss://, redis-sentinel://, redis-cluster://)")
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 && strings.Contains(rest[end:], "@") {
		// An unencoded "/", "?" or "#" in the password: the URL would be cut
		// there and a part of the password shown as the host or port.
		return endpoint{}, urlError(errors.New("@ after the host"))
	}
	switch scheme = strings.ToLower(scheme); scheme {
	case "redis", "rediss":
		o, err := goredis.ParseURL(scheme + "://" + rest)
		if err != nil {
			return endpoint{}, urlError(err)
		}
		return endpoint{single: o}, nil

	case "redis-sentinel", "rediss-sentinel":
		u, q, err := libraryURL(strings.TrimSuffix(scheme, "-sentinel"), rest)
		if err != nil {
			return endpoint{}, urlError(err)
		}
		if q.Has("master") && !q.Has("master_name") {
			q.Set("master_name", q.Get("master"))
		}
		q.Del("master")
		sentinelUser, sentinelPassword := q.Get("sentinel_username"), q.Get("sentinel_password")
		q.Del("sentinel_username")
		q.Del("sentinel_password")
		u.RawQuery = q.Encode()
		o, err := goredis.ParseFailoverURL(u.String())
		if err != nil {
			return endpoint{}, urlError(err)
		}
		if o.MasterName == "" {
			return endpoint{}, errors.New("invalid REDIS_URL: a redis-sentinel URL needs ?master=NAME")
		}
		// go-redis reads the URL's user as the Sentinels'; ours is the servers'.
		if o.SentinelUsername != "" || o.SentinelPassword != "" {
			o.Username, o.Password = o.SentinelUsername, o.SentinelPassword
		}
		o.SentinelUsername, o.SentinelPassword = sentinelUser, sentinelPassword
		return endpoint{sentinel: o}, nil

	case "redis-cluster", "rediss-cluster":
		u, q, err := libraryURL(strings.TrimSuffix(scheme, "-cluster"), rest)
		if err != nil {
			return endpoint{}, urlError(err)
		}
		if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
			return endpoint{}, errors.New("invalid REDIS_URL: Redis Cluster has database 0 only")
		}
		u.Path = ""
		u.RawQuery = q.Encode()
		o, err := goredis.ParseClusterURL(u.String())
		if err != nil {
			return endpoint{}, urlError(err)
		}
		return endpoint{cluster: o}, nil

	default:
		return endpoint{}, fmt.Errorf("invalid REDIS_URL: unknown scheme %q (want redis, rediss, redis-sentinel, rediss-sentinel, redis-cluster or rediss-cluster)", scheme)
	}
}

// libraryURL rewrites a multi-host URL (user:pw@h1:p1,h2:p2/0?q) into the
// form go-redis parses: the first host in the authority, the others as addr
// parameters. The query is returned apart for the caller to adjust and set
// as u.RawQuery.
func libraryURL(scheme, rest string) (u *url.URL, q url.Values, err error) {
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	u = &url.URL{Scheme: scheme}
	hosts := authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		if u.User, err = parseUserinfo(authority[:i]); err != nil {
			return nil, nil, err
		}
		hosts = authority[i+1:]
	}
	u.Host, hosts, _ = strings.Cut(hosts, ",")
	u.Path, tail, _ = strings.Cut(tail, "?")
	if q, err = url.ParseQuery(tail); err != nil {
		return nil, nil, err
	}
	if hosts != "" {
		for h := range strings.SplitSeq(hosts, ",") {
			q.Add("addr", h)
		}
	}
	return u, q, nil
}

// parseUserinfo decodes "user:password" as url.Parse does.
func parseUserinfo(s string) (*url.Userinfo, error) {
	user, password, hasPassword := strings.Cut(s, ":")
	user, err := url.PathUnescape(user)
	if err != nil {
		return nil, err
	}
	if !hasPassword {
		return url.User(user), nil
	}
	password, err = url.PathUnescape(password)
	if err != nil {
		return nil, err
	}
	return url.UserPassword(user, password), nil
}

// urlError reports a bad REDIS_URL without echoing it: it holds the password.
func urlError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ee url.EscapeError
	msg := err.Error()
	if errors.As(err, &ee) || strings.Contains(msg, "@") {
		// Text after a misplaced "@" may be part of the password.
		msg = "malformed (percent-encode special characters in the user and password)"
	}
	return fmt.Errorf("invalid REDIS_URL: %s", msg)
}
