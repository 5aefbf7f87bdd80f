package cases

import sp "github.com/satupintu/satupintu"

// ErrBadCursor: a List cursor that this API did not make.
var ErrBadCursor = sp.ErrBadCursor

// CursorAfter is the List cursor that resumes after c: citizens' cases are
// listed newest first by sp.Position.
func CursorAfter(c *Case) string { return sp.PositionOf(c.CreatedAt, c.ID).Cursor() }
