package graphql

import "bytes"

// satupintu patch: a response's data is written into a buffer the size of
// the last response to the same document, rather than one that starts
// empty and doubles (and copies) its way up: a home screen of 4 KB grew
// through six buffers, 8 KB of garbage for every request.

// maxResponseSizeHint bounds the buffer made in advance: one very large
// answer does not make every later one start that large.
const maxResponseSizeHint = 256 << 10

// MarshalResponseData writes data as JSON. The initial part of a
// response is sized after, and remembered for, the operation's document;
// a later (deferred) part is not.
func MarshalResponseData(oc *OperationContext, data Marshaler, initial bool) []byte {
	var buf bytes.Buffer
	if !initial || oc == nil {
		data.MarshalGQL(&buf)
		return buf.Bytes()
	}
	size := docCacheOf(oc.Doc).responseSize
	if size != nil {
		// A quarter more: the same operation's answers differ from one
		// citizen to the next.
		if n := size.Load(); n > 0 {
			buf.Grow(int(min(n+n/4, maxResponseSizeHint)))
		}
	}
	data.MarshalGQL(&buf)
	if size != nil {
		size.Store(int64(buf.Len()))
	}
	return buf.Bytes()
}
