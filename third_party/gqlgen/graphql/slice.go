package graphql

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

// MarshalSliceConcurrently marshals a slice of elements concurrently, writing
// each result into the returned Array.
//
// The marshalElement callback is called for each index and receives a context
// that already has a FieldContext with Index set. The callback should set
// FieldContext.Result and perform the actual marshaling.
//
// workerLimit of 0 means unlimited concurrency.
//
// Every element of the returned Array is set, because Array.MarshalGQL
// marshals each one. An element that could not be marshalled holds Null, as
// one whose resolver returned an error would: one whose marshalElement
// panicked (recovered unless omitPanicHandler), or, with a workerLimit, one
// not yet started when ctx is cancelled, reported once as ctx.Err(). A
// nullable element thus reports null in place, and for non-null elements the
// caller's non-null check nulls the whole list.
func MarshalSliceConcurrently(
	ctx context.Context,
	length int,
	workerLimit int64,
	omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) Marshaler,
) Array {
	ret := make(Array, length)
	if length == 0 {
		return ret
	}

	isLen1 := length == 1

	if isLen1 {
		i := 0
		fc := &FieldContext{
			Index: &i,
		}
		// satupintu patch: the one panic guard, marshalElementGuarded.
		ret[0] = marshalElementGuarded(WithFieldContext(ctx, fc), 0, omitPanicHandler, marshalElement)
		return ret
	}

	// satupintu patch: the elements' field contexts and indexes in one
	// allocation each, not two per element.
	fcs := make([]FieldContext, length)
	idx := make([]int, length)
	for i := range idx {
		idx[i] = i
		fcs[i].Index = &idx[i]
	}

	// Multiple elements: use goroutines, unless the operation is
	// sequential (satupintu patch: OperationContext.Sequential).
	if oc, ok := ctx.Value(operationCtx).(*OperationContext); ok && oc != nil && oc.Sequential {
		for i := range length {
			ret[i] = marshalElementGuarded(WithFieldContext(ctx, &fcs[i]), i, omitPanicHandler, marshalElement)
		}
		return ret
	}
	var wg sync.WaitGroup
	var sm *semaphore.Weighted
	if workerLimit > 0 {
		sm = semaphore.NewWeighted(workerLimit)
	}

	for i := range length {
		childCtx := WithFieldContext(ctx, &fcs[i])

		f := func(i int) {
			defer wg.Done()
			if sm != nil {
				defer sm.Release(1)
			}
			ret[i] = marshalElementGuarded(childCtx, i, omitPanicHandler, marshalElement)
		}

		if sm != nil {
			if err := sm.Acquire(ctx, 1); err != nil {
				AddError(childCtx, ctx.Err())
				// No worker owns these slots, so they are safe to write here.
				for j := i; j < length; j++ {
					ret[j] = Null
				}
				break
			}
		}

		wg.Add(1)
		if i == length-1 {
			// satupintu patch: the last element on this goroutine, which
			// would otherwise only wait for it.
			f(i)
			break
		}
		goTask(func() { f(i) }) // satupintu patch: gopool.go
	}

	wg.Wait()
	return ret
}

// marshalElementGuarded marshals element i, as Null with the panic reported
// when it panics (unless omitPanicHandler).
func marshalElementGuarded(
	ctx context.Context,
	i int,
	omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) Marshaler,
) (ret Marshaler) {
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				AddError(ctx, Recover(ctx, r))
				ret = Null
			}
		}()
	}
	return marshalElement(ctx, i)
}
