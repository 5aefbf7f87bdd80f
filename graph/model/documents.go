package model

import "github.com/satupintu/satupintu/documents"

// DocumentShare is a share as the schema shows it: the one-time secrets
// are set only in shareDocument's answer, and read as null ever after.
type DocumentShare struct {
	documents.Share
	Code                *string
	Link                *string
	QRPng               *string
	OfflinePresentation *string
}
