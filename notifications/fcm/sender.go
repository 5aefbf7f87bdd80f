// Package fcm sends pushes through Firebase Cloud Messaging with the
// Firebase Admin SDK (HTTP v1, one request per message, SendEach). It turns
// each notifications.Push into an FCM message for Android, APNs and web
// push, and each FCM answer into a notifications.Outcome whose Failure says
// whether to drop the token, fail the message or retry.
//
// The SDK itself retries network errors and 503 (up to 4 times, waiting
// 0, 1, 2, 4 s, or Retry-After); 429 and 500 come back at once. Timeout
// bounds the whole of one SendEach, SDK retries included.
package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/satupintu/satupintu/notifications"
)

// messagingScope is the OAuth2 scope of the FCM v1 API.
const messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

// DefaultTimeout is the recommended bound of one SendEach (configuration's
// default): room for the SDK's own 503 retries (about 7 s) and no more.
const DefaultTimeout = 10 * time.Second

// Config configures a Sender.
type Config struct {
	ProjectID string
	// Endpoint is the FCM v1 base URL; "" means Google's. For the fake
	// server: <sandbox>/fcm/v1.
	Endpoint string
	// CredentialsFile is a service-account JSON file; "" means Google's
	// default credentials (GOOGLE_APPLICATION_CREDENTIALS, the metadata
	// server).
	CredentialsFile string
	// AccessToken is a static bearer token for dev and tests; it excludes
	// CredentialsFile.
	AccessToken string `json:"-"`
	// HTTPClient carries the FCM requests (credentials are added on top of
	// its transport); nil means the SDK's own client.
	HTTPClient *http.Client
	// Timeout bounds each SendEach of at most 500 pushes (DefaultTimeout
	// is recommended).
	Timeout time.Duration
}

// Sender sends pushes with the Firebase Admin SDK.
type Sender struct {
	client  *messaging.Client
	timeout time.Duration
	now     func() time.Time
	// send is client.Send; tests wrap it to watch the requests.
	send func(context.Context, *messaging.Message) (string, error)
}

var _ notifications.Sender = (*Sender)(nil)

// New builds a Sender. It makes no request: bad credentials show up on the
// first send (as UNKNOWN failures naming UNAUTHENTICATED).
func New(ctx context.Context, cfg Config) (*Sender, error) {
	if cfg.ProjectID == "" {
		return nil, errors.New("fcm: ProjectID is required")
	}
	if cfg.AccessToken != "" && cfg.CredentialsFile != "" {
		return nil, errors.New("fcm: set AccessToken or CredentialsFile, not both")
	}
	if cfg.Timeout <= 0 {
		return nil, fmt.Errorf("fcm: Timeout must be positive, got %v", cfg.Timeout)
	}
	var opts []option.ClientOption
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("fcm: Endpoint must be an absolute http(s) URL, got %q", cfg.Endpoint)
		}
		opts = append(opts, option.WithEndpoint(cfg.Endpoint))
	}
	auth := authOptions(cfg)
	if cfg.HTTPClient != nil {
		// The SDK uses a given client as is, without credentials: put them
		// on its transport ourselves, the way the SDK would.
		base := cfg.HTTPClient.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		// No OpenTelemetry wrapper: satupintu exports no traces, and the
		// wrapper was a tenth of the CPU of a push (loadgen -scenario push).
		rt, err := htransport.NewTransport(ctx, base, append(auth, option.WithScopes(messagingScope), option.WithTelemetryDisabled())...)
		if err != nil {
			return nil, fmt.Errorf("fcm: credentials: %w", err)
		}
		hc := *cfg.HTTPClient
		hc.Transport = rt
		opts = append(opts, option.WithHTTPClient(&hc))
	} else {
		opts = append(opts, append(auth, option.WithTelemetryDisabled())...)
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("fcm: app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("fcm: messaging client: %w", err)
	}
	return &Sender{client: client, timeout: cfg.Timeout, now: time.Now, send: client.Send}, nil
}

func authOptions(cfg Config) []option.ClientOption {
	switch {
	case cfg.AccessToken != "":
		return []option.ClientOption{option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: cfg.AccessToken}))}
	case cfg.CredentialsFile != "":
		return []option.ClientOption{option.WithCredentialsFile(cfg.CredentialsFile)}
	}
	return nil // Google's default credentials
}

// Concurrency is how many FCM requests one Send has in flight, as the
// SDK's own SendEach does.
const Concurrency = 50

// Send sends each push as its own FCM HTTP v1 request, Concurrency at a
// time, and reports each outcome as soon as FCM answers it. It fails as a
// whole (nothing sent) only when a push has no token or ctx is done first.
func (s *Sender) Send(ctx context.Context, pushes []notifications.Push, done func(i int, o notifications.Outcome)) error {
	for i, p := range pushes {
		if p.Token == "" {
			return fmt.Errorf("fcm: push %d has no token", i)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fcm: %w", err)
	}
	now := s.now()
	if len(pushes) == 1 {
		// One push (a push job's): sent on the caller's goroutine, whose
		// stack has grown to the SDK's depth already when it is a
		// long-lived worker, rather than on a fresh one that grows its
		// stack anew for every push.
		s.sendOne(ctx, 0, buildMessage(pushes[0], now), now, done)
		return nil
	}
	slots := make(chan struct{}, Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, p := range pushes {
		msg := buildMessage(p, now)
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(pushes); j++ {
				done(j, notifications.Outcome{Failure: notifications.FailureNetwork, Detail: ctx.Err().Error()})
			}
			return nil
		}
		wg.Go(func() {
			defer func() { <-slots }()
			s.sendOne(ctx, i, msg, now, done)
		})
	}
	return nil
}

// sendOne sends push i's message and reports its outcome.
func (s *Sender) sendOne(ctx context.Context, i int, msg *messaging.Message, now time.Time, done func(i int, o notifications.Outcome)) {
	// Bounded: the SDK retries a 503 itself for about 7 s.
	sctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	name, err := s.send(sctx, msg)
	if err != nil {
		done(i, classify(err, now))
		return
	}
	done(i, notifications.Outcome{Name: name})
}

// SendEach is Send with the outcomes returned in order, for callers that
// want them all at once.
func (s *Sender) SendEach(ctx context.Context, pushes []notifications.Push) ([]notifications.Outcome, error) {
	out := make([]notifications.Outcome, len(pushes))
	if err := s.Send(ctx, pushes, func(i int, o notifications.Outcome) { out[i] = o }); err != nil {
		return nil, err
	}
	return out, nil
}
