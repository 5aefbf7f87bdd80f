package main

import (
	"context"
	"errors"
	"fmt"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/queue"
)

// changeConcurrency is how many case changes are dispatched at once per
// instance (each publishes, fills the inbox and enqueues pushes: store work
// only, no agency call).
const changeConcurrency = 16

// startWorkers runs the forwarder, the dispatcher, the poller and the
// pusher on the job queue until stop. Each is given every setting from the
// configuration and checks it has them before anything runs.
func (a *app) startWorkers(ctx context.Context, apis map[sp.Agency]cases.Agency, cat *catalog.Catalog, sender notifications.Sender,
	pm *notifications.Metrics, priv privacyParts) error {
	log := a.log.With("component", "cases")
	st := a.stores
	fwd := &cases.Forwarder{
		Store: st.Cases, Agencies: apis, Jobs: st.Jobs,
		GiveUpAfter: a.cfg.ForwardGiveUp, BackoffBase: a.cfg.ForwardBackoff[0], BackoffMax: a.cfg.ForwardBackoff[1],
		AccessLog: st.AccessLog, Log: log,
	}
	notifier := &notifications.Notifier{Inbox: st.Inbox, Devices: st.Devices, Jobs: st.Jobs, Catalog: cat,
		DeviceMaxAge: a.cfg.DeviceMaxAge, Log: a.log.With("component", "notifications"), Receivers: a.receivers()}
	handlers := []cases.ChangeHandler{notifier.OnChange}
	if a.payments != nil {
		// After the notifier: the approval is told even while the
		// treasury is slow to bill the fee due after it.
		handlers = append(handlers, a.payments.OnChange)
	}
	disp := &cases.Dispatcher{Store: st.Cases, Broker: st.Broker, Jobs: st.Jobs, Handlers: handlers, Log: log}
	pusher := &notifications.Pusher{Devices: st.Devices, Inbox: st.Inbox, Deliveries: st.Deliveries,
		Sender: sender, TTL: a.cfg.PushTTL, MaxAttempts: a.cfg.PushMaxAttempts, SendLease: a.cfg.PushSendLease,
		BackoffBase: a.cfg.PushBackoff[0], BackoffMax: a.cfg.PushBackoff[1], Metrics: pm,
		Log: a.log.With("component", "push")}
	poll := &cases.Poller{Service: a.casework, Store: st.Cases, Agencies: apis, Polled: a.cfg.Polled,
		Every: a.cfg.PollInterval, Log: log}
	sweeps := poll.Sweeps()
	// How each kind is worked here: forwards as many at once as configured,
	// changes in order per case, one sweep of each polled agency at a time.
	workers := []queue.Worker{
		{Kind: queue.Forward, Handle: fwd.Handle, Concurrency: a.cfg.ForwardConcurrency},
		{Kind: queue.Change, Handle: disp.Handle, Concurrency: changeConcurrency, Ordered: true},
		{Kind: queue.Poll, Handle: poll.Handle, Concurrency: max(1, len(sweeps))},
	}
	if a.cfg.PushConcurrency > 0 {
		workers = append(workers, queue.Worker{Kind: queue.Push, Handle: pusher.Handle, Concurrency: a.cfg.PushConcurrency})
	}
	privWorkers, err := priv.workers(ctx, st.Jobs)
	if err != nil {
		return err
	}
	workers = append(workers, privWorkers...)
	workers = append(workers, a.paymentWorkers()...)
	errs := []error{fwd.Validate(), disp.Validate(), notifier.Validate(), pusher.Validate(), poll.Validate(), queue.ValidateWorkers(workers)}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// The sweeps and the payments' daily report are unique: every
	// instance enqueues them, one runs.
	if a.payments != nil {
		sweeps = append(sweeps, payments.ReportJob(a.now()))
	}
	if err := st.Jobs.Enqueue(ctx, sweeps...); err != nil {
		return fmt.Errorf("scheduling the poll sweeps: %w", err)
	}
	a.workers.Go(func() {
		if err := st.Jobs.Run(a.workCtx, workers...); err != nil {
			a.log.Error("the job runner stopped", "error", err)
		}
	})
	return nil
}
