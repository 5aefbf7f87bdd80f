package main

import (
	"errors"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/notifications/fcm"
	"github.com/satupintu/satupintu/queue"
)

// startWorkers runs the forwarder, the dispatcher, the poller and the
// pusher until stop. Each is given every setting from the configuration
// and checks it has them before anything runs.
func (a *app) startWorkers(apis map[sp.Agency]cases.Agency, cat *catalog.Catalog, sender notifications.Sender, pm *notifications.Metrics) error {
	log := a.log.With("component", "cases")
	st := a.stores
	fwd := &cases.Forwarder{
		Store: st.Cases, Agencies: apis, Polls: st.Polls, Polled: a.cfg.Polled,
		GiveUpAfter: a.cfg.ForwardGiveUp, BackoffBase: a.cfg.ForwardBackoff[0], BackoffMax: a.cfg.ForwardBackoff[1],
		Log: log,
	}
	notifier := &notifications.Notifier{Inbox: st.Inbox, Devices: st.Devices, Pushes: st.Pushes, Catalog: cat,
		DeviceMaxAge: a.cfg.DeviceMaxAge, Log: a.log.With("component", "notifications")}
	disp := &cases.Dispatcher{Store: st.Cases, Broker: st.Broker, Handlers: []cases.ChangeHandler{notifier.OnChange}, Log: log}
	pusher := &notifications.Pusher{Queue: st.Pushes, Devices: st.Devices, Inbox: st.Inbox, Deliveries: st.Deliveries,
		Sender: sender, TTL: a.cfg.PushTTL, MaxAttempts: a.cfg.PushMaxAttempts, SendLease: a.cfg.PushSendLease,
		Wave: fcm.Concurrency, BackoffBase: a.cfg.PushBackoff[0], BackoffMax: a.cfg.PushBackoff[1], Metrics: pm,
		Log: a.log.With("component", "push")}
	poll := &cases.Poller{Service: a.casework, Store: st.Cases, Queue: st.Polls, Agencies: apis,
		Every: a.cfg.PollInterval, Log: log}
	// How each queue is worked: forwards as many at once as configured,
	// changes in order per case, polls a request's worth at a time.
	workers := []*queue.Worker{
		{Queue: st.Cases.Forwards(), Consumer: a.cfg.Instance, Batch: a.cfg.ForwardConcurrency, Concurrency: a.cfg.ForwardConcurrency, Idle: 50 * time.Millisecond, Handle: fwd.Handle, Log: log},
		{Queue: st.Cases.Changes(), Consumer: a.cfg.Instance, Batch: 32, Concurrency: 16, Idle: 20 * time.Millisecond, Handle: disp.Handle, Ordered: true, Log: log},
		{Queue: st.Polls, Consumer: a.cfg.Instance, Batch: cases.MaxPollBatch, Concurrency: 1, Idle: 200 * time.Millisecond, HandleBatch: poll.HandleBatch, Log: log},
	}
	if a.cfg.PushConcurrency > 0 {
		workers = append(workers, &queue.Worker{Queue: st.Pushes, Consumer: a.cfg.Instance, Batch: notifications.MaxBatch, Concurrency: a.cfg.PushConcurrency,
			Idle: 20 * time.Millisecond, HandleBatch: pusher.HandleBatch, Log: log})
	}
	errs := []error{fwd.Validate(), notifier.Validate(), pusher.Validate(), poll.Validate()}
	for _, w := range workers {
		errs = append(errs, w.Validate())
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, w := range workers {
		a.workers.Go(func() { w.Run(a.workCtx) })
	}
	return nil
}
