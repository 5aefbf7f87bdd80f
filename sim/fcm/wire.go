package fcm

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FCM's answers are google.rpc.Status bodies. FCM-level errors carry an
// FcmError detail (which the SDK reads to classify them); errors of the
// JSON parser in front of FCM carry only a BadRequest detail, as Google's do.

const (
	typeFcmError   = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
	typeBadRequest = "type.googleapis.com/google.rpc.BadRequest"

	msgInvalidArgument = "Request contains an invalid argument."
	msgNotFound        = "Requested entity was not found."
)

// rpcError is one error answer.
type rpcError struct {
	code       int    // HTTP status
	status     string // google.rpc.Code name
	message    string
	fcmCode    string // FcmError errorCode; "" for none
	violations []violation
}

type violation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

func (e *rpcError) write(w http.ResponseWriter) {
	type detail struct {
		Type            string      `json:"@type"`
		ErrorCode       string      `json:"errorCode,omitempty"`
		FieldViolations []violation `json:"fieldViolations,omitempty"`
	}
	var details []detail
	if e.fcmCode != "" {
		details = append(details, detail{Type: typeFcmError, ErrorCode: e.fcmCode})
	}
	if len(e.violations) > 0 {
		details = append(details, detail{Type: typeBadRequest, FieldViolations: e.violations})
	}
	body := map[string]any{"error": struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Status  string   `json:"status"`
		Details []detail `json:"details,omitempty"`
	}{e.code, e.message, e.status, details}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(body)
}

// parseError is a rejection by the JSON parser: BadRequest, no FcmError.
func parseError(field, description string) *rpcError {
	d := "Invalid JSON payload received. " + description
	if strings.HasPrefix(description, "Invalid value") {
		d = description
	}
	return &rpcError{code: http.StatusBadRequest, status: "INVALID_ARGUMENT", message: d,
		violations: []violation{{Field: field, Description: d}}}
}

// invalidMessage is FCM refusing a well-formed message: FcmError
// INVALID_ARGUMENT plus the field at fault.
func invalidMessage(field, description string) *rpcError {
	return &rpcError{code: http.StatusBadRequest, status: "INVALID_ARGUMENT", message: msgInvalidArgument,
		fcmCode: "INVALID_ARGUMENT", violations: []violation{{Field: field, Description: description}}}
}

// The proto JSON schema of the FCM v1 request, by proto field name. Google's
// parser also accepts each field's lowerCamelCase JSON name (collapseKey for
// collapse_key); field names of maps and Structs are free.

type kind uint8

const (
	kString kind = iota
	kBool
	kInt       // int32: a JSON number or a decimal string
	kNumber    // float
	kStrings   // repeated string
	kMap       // map<string, string>
	kStruct    // google.protobuf.Struct: any JSON object
	kDuration  // google.protobuf.Duration: "3.5s"
	kDurations // repeated Duration
	kTimestamp // google.protobuf.Timestamp: RFC 3339
	kEnum
	kMessage
)

type field struct {
	kind  kind
	enum  []string // kEnum values
	fold  bool     // kEnum compared ignoring case (the SDK sends "high")
	ptype string   // kEnum type named in errors
	msg   schema   // kMessage fields
}

type schema map[string]field

func enumOf(ptype string, fold bool, values ...string) field {
	return field{kind: kEnum, enum: values, fold: fold, ptype: ptype}
}

var (
	fcmOptionsSchema = schema{"analytics_label": {kind: kString}}

	notificationSchema = schema{"title": {kind: kString}, "body": {kind: kString}, "image": {kind: kString}}

	colorSchema = schema{"red": {kind: kNumber}, "green": {kind: kNumber}, "blue": {kind: kNumber}, "alpha": {kind: kNumber}}

	androidNotificationSchema = schema{
		"title": {kind: kString}, "body": {kind: kString}, "icon": {kind: kString}, "color": {kind: kString},
		"sound": {kind: kString}, "tag": {kind: kString}, "click_action": {kind: kString},
		"body_loc_key": {kind: kString}, "body_loc_args": {kind: kStrings},
		"title_loc_key": {kind: kString}, "title_loc_args": {kind: kStrings},
		"channel_id": {kind: kString}, "ticker": {kind: kString}, "sticky": {kind: kBool},
		"event_time": {kind: kTimestamp}, "local_only": {kind: kBool},
		"notification_priority": enumOf("type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.NotificationPriority", false,
			"PRIORITY_UNSPECIFIED", "PRIORITY_MIN", "PRIORITY_LOW", "PRIORITY_DEFAULT", "PRIORITY_HIGH", "PRIORITY_MAX"),
		"default_sound": {kind: kBool}, "default_vibrate_timings": {kind: kBool}, "default_light_settings": {kind: kBool},
		"vibrate_timings": {kind: kDurations},
		"visibility": enumOf("type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.Visibility", false,
			"VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET"),
		"notification_count": {kind: kInt},
		"light_settings": {kind: kMessage, msg: schema{
			"color": {kind: kMessage, msg: colorSchema}, "light_on_duration": {kind: kDuration}, "light_off_duration": {kind: kDuration},
		}},
		"image": {kind: kString}, "bypass_proxy_notification": {kind: kBool},
		"proxy": enumOf("type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.Proxy", false,
			"PROXY_UNSPECIFIED", "ALLOW", "DENY", "IF_PRIORITY_LOWERED"),
	}

	androidSchema = schema{
		"collapse_key": {kind: kString},
		"priority": enumOf("type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority", true,
			"NORMAL", "HIGH"),
		"ttl":                      {kind: kDuration},
		"restricted_package_name":  {kind: kString},
		"data":                     {kind: kMap},
		"notification":             {kind: kMessage, msg: androidNotificationSchema},
		"fcm_options":              {kind: kMessage, msg: fcmOptionsSchema},
		"direct_boot_ok":           {kind: kBool},
		"restricted_satellite_ok":  {kind: kBool},
		"bandwidth_constrained_ok": {kind: kBool},
	}

	webpushSchema = schema{
		"headers":      {kind: kMap},
		"data":         {kind: kMap},
		"notification": {kind: kStruct},
		"fcm_options":  {kind: kMessage, msg: schema{"link": {kind: kString}, "analytics_label": {kind: kString}}},
	}

	apnsSchema = schema{
		"headers":             {kind: kMap},
		"payload":             {kind: kStruct},
		"fcm_options":         {kind: kMessage, msg: schema{"analytics_label": {kind: kString}, "image": {kind: kString}}},
		"live_activity_token": {kind: kString},
	}

	messageSchema = schema{
		"name":         {kind: kString},
		"data":         {kind: kMap},
		"notification": {kind: kMessage, msg: notificationSchema},
		"android":      {kind: kMessage, msg: androidSchema},
		"webpush":      {kind: kMessage, msg: webpushSchema},
		"apns":         {kind: kMessage, msg: apnsSchema},
		"fcm_options":  {kind: kMessage, msg: fcmOptionsSchema},
		"token":        {kind: kString},
		"topic":        {kind: kString},
		"condition":    {kind: kString},
	}

	requestSchema = schema{
		"message":       {kind: kMessage, msg: messageSchema},
		"validate_only": {kind: kBool},
	}
)

// targets is the message's oneof: at most one may be set.
var targets = []string{"token", "topic", "condition"}

var durationPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,9})?s$`)

// protoName maps a JSON field name (proto or lowerCamelCase) to the proto name.
func protoName(key string) string {
	if strings.ToLower(key) == key {
		return key
	}
	var b strings.Builder
	for _, r := range key {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normalize checks a decoded JSON object (json.Decoder with UseNumber)
// against sc as Google's proto JSON parser would and returns it with every
// field under its proto name, null fields dropped and map<string,string>
// fields as map[string]string. path names the object in errors
// ("message.android").
func normalize(v any, sc schema, path string) (map[string]any, *rpcError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, parseError(path, fmt.Sprintf("Invalid value at '%s', %s: expected an object", path, show(v)))
	}
	at := ""
	if path != "" {
		at = fmt.Sprintf(" at '%s'", path)
	}
	out := make(map[string]any, len(obj))
	for key, val := range obj {
		name := protoName(key)
		f, ok := sc[name]
		if !ok {
			return nil, parseError(path, fmt.Sprintf("Unknown name %q%s: Cannot find field.", key, at))
		}
		if _, dup := out[name]; dup {
			return nil, parseError(path, fmt.Sprintf("Duplicate name %q%s.", key, at))
		}
		if val == nil {
			continue
		}
		p := name
		if path != "" {
			p = path + "." + name
		}
		nv, err := checkValue(val, f, p)
		if err != nil {
			return nil, err
		}
		out[name] = nv
	}
	if _, isMessage := sc["token"]; isMessage { // one target at most
		var set []string
		for _, t := range targets {
			if _, ok := out[t]; ok {
				set = append(set, t)
			}
		}
		if len(set) > 1 {
			return nil, parseError(path, fmt.Sprintf("Invalid value at '%s' (oneof), oneof field 'target' is already set. Cannot set '%s'", path, set[1]))
		}
	}
	return out, nil
}

func checkValue(v any, f field, path string) (any, *rpcError) {
	bad := func(ptype string) *rpcError {
		return parseError(path, fmt.Sprintf("Invalid value at '%s' (%s), %s", path, ptype, show(v)))
	}
	switch f.kind {
	case kString:
		if _, ok := v.(string); !ok {
			return nil, bad("TYPE_STRING")
		}
	case kBool:
		if _, ok := v.(bool); !ok {
			return nil, bad("TYPE_BOOL")
		}
	case kInt:
		s, ok := v.(string)
		if n, isNum := v.(json.Number); isNum {
			s, ok = n.String(), true
		}
		if _, err := strconv.ParseInt(s, 10, 32); !ok || err != nil {
			return nil, bad("TYPE_INT32")
		}
	case kNumber:
		if _, ok := v.(json.Number); !ok {
			return nil, bad("TYPE_FLOAT")
		}
	case kStrings:
		list, ok := v.([]any)
		if !ok {
			return nil, bad("TYPE_STRING")
		}
		for i, e := range list {
			if _, ok := e.(string); !ok {
				return nil, parseError(path, fmt.Sprintf("Invalid value at '%s[%d]' (TYPE_STRING), %s", path, i, show(e)))
			}
		}
	case kMap:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, bad("map<string, string>")
		}
		out := make(map[string]string, len(m))
		for k, e := range m {
			s, ok := e.(string)
			if !ok {
				// Google names the entry by its position.
				p := fmt.Sprintf("%s[%d].value", path, slices.Index(slices.Sorted(maps.Keys(m)), k))
				return nil, parseError(p, fmt.Sprintf("Invalid value at '%s' (TYPE_STRING), %s", p, show(e)))
			}
			out[k] = s
		}
		return out, nil
	case kStruct:
		if _, ok := v.(map[string]any); !ok {
			return nil, bad("type.googleapis.com/google.protobuf.Struct")
		}
	case kDuration:
		if s, ok := v.(string); !ok || !durationPattern.MatchString(s) {
			return nil, parseError(path, fmt.Sprintf("Invalid value at '%s' (type.googleapis.com/google.protobuf.Duration), Illegal duration format; duration must end with 's': %s", path, show(v)))
		}
	case kDurations:
		list, ok := v.([]any)
		if !ok {
			return nil, bad("type.googleapis.com/google.protobuf.Duration")
		}
		for i, e := range list {
			if _, err := checkValue(e, field{kind: kDuration}, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return nil, err
			}
		}
	case kTimestamp:
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			return nil, bad("type.googleapis.com/google.protobuf.Timestamp")
		}
	case kEnum:
		s, _ := v.(string)
		for _, e := range f.enum {
			if s == e || (f.fold && strings.EqualFold(s, e)) {
				return e, nil // canonical spelling
			}
		}
		return nil, bad(f.ptype)
	case kMessage:
		return normalize(v, f.msg, path)
	}
	return v, nil
}

// show renders a decoded JSON value for an error message, cut to a sane
// length.
func show(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}
