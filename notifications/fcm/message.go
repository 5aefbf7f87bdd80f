package fcm

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strconv"
	"time"

	"firebase.google.com/go/v4/messaging"

	"github.com/satupintu/satupintu/notifications"
)

// maxTTL is FCM's longest time to live (and its default): 4 weeks.
const maxTTL = 28 * 24 * time.Hour

// webTopic is what RFC 8030 allows as a web push Topic: at most 32
// characters of the URL-safe base64 alphabet.
var webTopic = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`) // isWebTopic checks it (cheaper; a test holds them equal)

// buildMessage turns a push into one FCM message for every platform (FCM
// uses the block of the device's platform). A status change is
// time-sensitive: Android priority high, APNs priority 10, web push urgency
// high. The collapse key makes a newer push of the same case replace the
// older one on screen (Android collapse key and tag, APNs collapse id, web
// push Topic) and groups them (APNs thread).
func buildMessage(p notifications.Push, now time.Time) *messaging.Message {
	m := &messaging.Message{Token: p.Token, Data: p.Data}
	visible := p.Title != "" || p.Body != ""
	if visible {
		m.Notification = &messaging.Notification{Title: p.Title, Body: p.Body}
	}
	ttl := min(max(p.TTL, 0), maxTTL)

	android := &messaging.AndroidConfig{Priority: "high", CollapseKey: p.CollapseKey}
	if ttl > 0 {
		android.TTL = &ttl
	}
	if visible && p.CollapseKey != "" {
		android.Notification = &messaging.AndroidNotification{Tag: p.CollapseKey}
	}
	m.Android = android

	// APNs refuses priority 10 for a push that shows nothing: data-only
	// goes as a background push with priority 5.
	apns := &messaging.APNSConfig{
		Headers: map[string]string{"apns-priority": "10", "apns-push-type": "alert"},
		Payload: &messaging.APNSPayload{Aps: &messaging.Aps{ThreadID: p.CollapseKey}},
	}
	if !visible {
		apns.Headers["apns-priority"] = "5"
		apns.Headers["apns-push-type"] = "background"
		apns.Payload.Aps.ContentAvailable = true
	}
	if p.CollapseKey != "" {
		apns.Headers["apns-collapse-id"] = collapseID(p.CollapseKey)
	}
	if ttl > 0 {
		apns.Headers["apns-expiration"] = strconv.FormatInt(now.Add(ttl).Unix(), 10)
	}
	m.APNS = apns

	web := &messaging.WebpushConfig{Headers: map[string]string{"Urgency": "high"}}
	if ttl > 0 {
		web.Headers["TTL"] = strconv.FormatInt(int64((ttl+time.Second-1)/time.Second), 10)
	}
	if p.CollapseKey != "" {
		web.Headers["Topic"] = webPushTopic(p.CollapseKey)
	}
	m.Webpush = web
	return m
}

// webPushTopic returns key when it is a valid web push Topic, else a
// stable 32-character digest of it.
func webPushTopic(key string) string {
	if isWebTopic(key) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:32]
}

// isWebTopic is webTopic.MatchString without the regexp (it was half of
// building a message).
func isWebTopic(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// collapseID keeps an APNs collapse id within its 64 bytes.
func collapseID(key string) string {
	if len(key) <= 64 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
