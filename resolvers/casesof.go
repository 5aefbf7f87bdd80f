package resolvers

import (
	"context"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/graph/model"
)

// casesOf pages through nik's cases (the citizen's, or a subject's the
// policy let them see).
func (r *Resolver) casesOf(ctx context.Context, nik sp.NIK, status *cases.Status, first *int, after *string) (*model.CaseConnection, error) {
	n, err := pageSize(first, cases.DefaultPageSize, cases.MaxPageSize)
	if err != nil {
		return nil, err
	}
	// first: 0 is an empty page (the store reads 0 as its default size):
	// one case is read to tell whether any follow.
	q := cases.ListQuery{First: max(n, 1), After: deref(after)}
	if status != nil {
		q.Status = *status
	}
	page, next, err := r.Casework.List(ctx, nik, q)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		page, next = nil, pageAfter(len(page) > 0)
	}
	total, err := r.Casework.Count(ctx, nik, q.Status)
	if err != nil {
		return nil, err
	}
	conn := &model.CaseConnection{Edges: make([]model.CaseEdge, 0, len(page)), TotalCount: total}
	cursors := make([]string, len(page))
	for i, c := range page {
		cursors[i] = cases.CursorAfter(c)
		conn.Edges = append(conn.Edges, model.CaseEdge{Cursor: cursors[i], Node: c})
	}
	conn.PageInfo = pageInfo(cursors, q.After != "", next != "")
	return conn, nil
}
