package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/satupintu/satupintu/notifications/fcm"
)

// pushSender is FCM as configured: Google in production, the fake FCM of
// the sandbox in dev (see devEndpoints).
func (a *app) pushSender(ctx context.Context) (*fcm.Sender, error) {
	// Our own transport, so stop can close its idle connections.
	a.fcmT = http.DefaultTransport.(*http.Transport).Clone()
	// Every request in flight keeps its connection: each push job sends one
	// request, PushConcurrency at once, and a smaller pool would close and
	// redial (over HTTP/1.1, as to the fake FCM) all the time.
	a.fcmT.MaxIdleConnsPerHost = max(1, a.cfg.PushConcurrency)
	a.fcmT.MaxIdleConns = 0 // the clone's total of 100 would cap the line above: 6,500 redials per 40,000 pushes
	s, err := fcm.New(ctx, fcm.Config{
		ProjectID:       a.cfg.FCMProject,
		Endpoint:        a.cfg.FCMEndpoint,
		CredentialsFile: a.cfg.FCMCredentials,
		AccessToken:     a.cfg.FCMAccessToken,
		HTTPClient:      &http.Client{Transport: a.fcmT},
		Timeout:         a.cfg.FCMTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("FCM: %w", err)
	}
	return s, nil
}
