package documents_test

import (
	"time"

	"github.com/satupintu/satupintu/documents/sdjwt"
	"github.com/satupintu/satupintu/signing"
)

func sdjwtVerify(compact string, keys *signing.Keyring, at time.Time) (sdjwt.Verified, error) {
	return sdjwt.Verify(compact, sdjwt.Options{Keyfunc: keys.Keyfunc, Now: func() time.Time { return at }, Typ: "dc+sd-jwt"})
}
