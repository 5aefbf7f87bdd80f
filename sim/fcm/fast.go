package fcm

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// The fast path of parseRequest. A send request as the Admin SDK writes it
// is read in one pass over its bytes, checked against the same schema,
// into the same wireMessage, without building a tree of maps first (that
// tree, and a second decoding for the message as sent, were a third of the
// fake's CPU per push in loadgen -scenario push).
//
// It decides nothing on its own: whatever it does not fully understand (a
// null, a number, a field kind the SDK does not write for satupintu, a
// duplicate name, any syntax or schema error) makes it give up, and
// parseRequest's reference path (decode, normalize) reads the body
// instead, with Google's error messages. When it does accept a body, it
// returns exactly what the reference path returns for it
// (TestFastParseAgrees, FuzzFastParseAgrees).

// msgPart names the objects whose fields end up in a wireMessage.
type msgPart uint8

const (
	partOther msgPart = iota
	partRequest
	partMessage
	partNotification
	partAndroid
	partAndroidNotification
	partAPNS
	partWebpush
)

// partOf is the part a message field's object is, under its parent part.
func partOf(parent msgPart, name string) msgPart {
	switch parent {
	case partRequest:
		if name == "message" {
			return partMessage
		}
	case partMessage:
		switch name {
		case "notification":
			return partNotification
		case "android":
			return partAndroid
		case "apns":
			return partAPNS
		case "webpush":
			return partWebpush
		}
	case partAndroid:
		if name == "notification" {
			return partAndroidNotification
		}
	}
	return partOther
}

type fastParser struct {
	b   []byte
	i   int
	m   wireMessage
	raw []byte // the "message" value as sent
	// validateOnly is the request's validate_only.
	validateOnly bool
}

// fastParse reads body as parseRequest does; ok false means "ask the
// reference path", never "invalid".
func fastParse(body []byte) (m wireMessage, raw []byte, validateOnly, ok bool) {
	p := fastParser{b: body}
	p.ws()
	if !p.object(requestSchema, partRequest) {
		return wireMessage{}, nil, false, false
	}
	p.ws()
	if p.i != len(p.b) {
		return wireMessage{}, nil, false, false
	}
	return p.m, p.raw, p.validateOnly, true
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips whitespace and reports whether the next byte is c,
// consuming it if so.
func (p *fastParser) next(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a JSON string (at p.i, after whitespace) as encoding/json
// decodes it.
func (p *fastParser) str() (string, bool) {
	b, s, ok := p.strRaw()
	if b != nil {
		return string(b), ok
	}
	return s, ok
}

// strRaw reads a JSON string without copying it when it can: b is its
// bytes in the body when they are its value as they stand, else s is the
// value.
func (p *fastParser) strRaw() (b []byte, s string, ok bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, "", false
	}
	start := p.i
	plain := true // no escapes, all ASCII
	for i := start + 1; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			p.i = i + 1
			quoted := p.b[start:p.i]
			if plain || (!hasByte(quoted, '\\') && utf8.Valid(quoted)) {
				return quoted[1 : len(quoted)-1 : len(quoted)-1], "", true
			}
			// Escapes, or bytes that are not UTF-8 (replaced as the
			// reference decoder replaces them): encoding/json decides.
			return unquote(quoted)
		case c == '\\':
			plain = false
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, "", false // a syntax error
		case c >= 0x80:
			plain = false
		}
	}
	return nil, "", false
}

// unquote is encoding/json's reading of a quoted string (kept apart so
// that only this path puts a string on the heap for Unmarshal).
func unquote(quoted []byte) ([]byte, string, bool) {
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return nil, "", false
	}
	return nil, s, true
}

// names interns the schemas' field names, so that reading a known name
// allocates nothing.
var names = func() map[string]string {
	out := map[string]string{}
	var add func(sc schema)
	add = func(sc schema) {
		for name, f := range sc {
			out[name] = name
			if f.kind == kMessage {
				add(f.msg)
			}
		}
	}
	add(requestSchema)
	return out
}()

// key reads an object's field name as its proto name.
func (p *fastParser) key() (string, bool) {
	b, s, ok := p.strRaw()
	if !ok {
		return "", false
	}
	if b != nil {
		if name, known := names[string(b)]; known {
			return name, true
		}
		s = string(b)
	}
	return protoName(s), true
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// object reads an object checked against sc. part says which of its
// fields belong in p.m.
func (p *fastParser) object(sc schema, part msgPart) bool {
	if !p.next('{') {
		return false
	}
	var seen [24]string
	n := 0
	targets := 0
	if p.next('}') {
		return true
	}
	for {
		name, ok := p.key()
		if !ok || !p.next(':') {
			return false
		}
		f, known := sc[name]
		if !known || n == len(seen) {
			return false
		}
		for _, s := range seen[:n] {
			if s == name {
				return false // a duplicate: the reference path decides
			}
		}
		seen[n] = name
		n++
		if part == partMessage && (name == "token" || name == "topic" || name == "condition") {
			if targets++; targets > 1 {
				return false
			}
		}
		if !p.value(f, part, name) {
			return false
		}
		if p.next(',') {
			continue
		}
		return p.next('}')
	}
}

// value reads the value of field name of part, of kind f.
func (p *fastParser) value(f field, part msgPart, name string) bool {
	p.ws()
	switch f.kind {
	case kString:
		b, s, ok := p.strRaw()
		if !ok {
			return false
		}
		if b != nil {
			switch part {
			case partMessage, partNotification, partAndroid, partAndroidNotification: // read below
				s = string(b)
			}
		}
		switch part {
		case partMessage:
			switch name {
			case "token":
				p.m.Token = s
			case "topic":
				p.m.Topic = s
			case "condition":
				p.m.Condition = s
			}
		case partNotification:
			switch name {
			case "title":
				p.m.Title = s
			case "body":
				p.m.Body = s
			}
		case partAndroid:
			if name == "collapse_key" {
				p.m.CollapseKey = s
			}
		case partAndroidNotification:
			if name == "tag" {
				p.m.AndroidTag = s
			}
		}
		return true
	case kBool:
		var v bool
		switch {
		case p.lit("true"):
			v = true
		case p.lit("false"):
		default:
			return false
		}
		if part == partRequest && name == "validate_only" {
			p.validateOnly = v
		}
		return true
	case kEnum:
		b, s, ok := p.strRaw()
		if !ok {
			return false
		}
		if b != nil {
			s = unsafeString(b) // compared, never kept
		}
		for _, e := range f.enum {
			if s == e || (f.fold && equalFoldASCII(s, e)) {
				if part == partAndroid && name == "priority" {
					p.m.AndroidPriority = e // canonical spelling
				}
				return true
			}
		}
		return false
	case kDuration:
		s, ok := p.str()
		if !ok || !isDuration(s) {
			return false
		}
		if part == partAndroid && name == "ttl" {
			p.m.TTL = s
		}
		return true
	case kMap:
		m, ok := p.stringMap()
		if !ok {
			return false
		}
		switch {
		case part == partMessage && name == "data":
			p.m.Data = m
		case part == partAndroid && name == "data":
			p.m.AndroidData = m
		case part == partAPNS && name == "headers":
			p.m.APNSHeaders = m
		case part == partWebpush && name == "headers":
			p.m.WebpushHeaders = m
		}
		return true
	case kStruct:
		return p.anyObject()
	case kMessage:
		start := p.i
		if !p.object(f.msg, partOf(part, name)) {
			return false
		}
		if part == partRequest && name == "message" {
			p.raw = p.b[start:p.i]
		}
		return true
	}
	return false // null, numbers, lists, timestamps: the reference path
}

func (p *fastParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// stringMap reads a map<string, string>. Repeated keys keep the last
// value, as the reference decoder does.
func (p *fastParser) stringMap() (map[string]string, bool) {
	if !p.next('{') {
		return nil, false
	}
	m := make(map[string]string, 8)
	if p.next('}') {
		return m, true
	}
	for {
		k, ok := p.str()
		if !ok || !p.next(':') {
			return nil, false
		}
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		m[k] = v
		if p.next(',') {
			continue
		}
		if p.next('}') {
			return m, true
		}
		return nil, false
	}
}

// anyObject skips a google.protobuf.Struct: any JSON object, checked by
// encoding/json's own scanner.
func (p *fastParser) anyObject() bool {
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return false
	}
	start, depth := p.i, 0
	for i := start; i < len(p.b); i++ {
		switch p.b[i] {
		case '"':
			for i++; i < len(p.b) && p.b[i] != '"'; i++ {
				if p.b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				// A valid value starting at '{' ends at its own closing
				// brace: the span is what the decoder would read.
				if !json.Valid(p.b[start : i+1]) {
					return false
				}
				p.i = i + 1
				return true
			}
		}
	}
	return false
}

// isDuration is durationPattern without the regexp:
// ^-?[0-9]+(\.[0-9]{1,9})?s$.
func isDuration(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	d := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == f || i-f > 9 {
			return false
		}
	}
	return i == len(s)-1 && s[i] == 's'
}

// equalFoldASCII is strings.EqualFold for an ASCII enum value e.
func equalFoldASCII(s, e string) bool {
	if len(s) != len(e) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], e[i]
		if 'a' <= a && a <= 'z' {
			a -= 'a' - 'A'
		}
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// unsafeString views b as a string for a comparison that does not keep it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
