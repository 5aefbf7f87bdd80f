package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

var _ cases.Broker = (*Broker)(nil)

// subscriberBuffer is how many updates a slow subscriber may fall behind
// before it loses some.
const subscriberBuffer = 16

// subscribeTimeout bounds the wait for Redis to confirm a subscription.
const subscribeTimeout = 5 * time.Second

// Broker fans case updates out over Redis pub/sub, one channel per citizen
// (<prefix>updates:<citizen HMAC>), so a subscriber on any instance hears a
// change made on any other. Each Broker holds one pub/sub connection,
// subscribed to the channels its local subscribers need (counted, so two
// subscribers of one citizen share a subscription); go-redis reconnects it
// and subscribes again after a drop. Updates published while it is down are
// lost: the broker is at most once, the case history is the record.
type Broker struct {
	c  goredis.UniversalClient
	k  keyspace
	ps *goredis.PubSub

	mu     sync.Mutex // guards topics and closed; held across SUBSCRIBE/UNSUBSCRIBE to keep their order
	topics map[string]*topic
	closed bool
	done   chan struct{} // closed when the fan-out goroutine returns
}

// topic is one channel and its local subscribers.
type topic struct {
	subs  map[*subscriber]struct{}
	ready chan struct{} // closed when Redis confirms the subscription
}

type subscriber struct {
	citizen sp.NIK
	caseID  string // "" for all the citizen's cases
	ch      chan *cases.Update
}

// NewBroker returns a broker on prefix, naming citizens in channel names by
// an HMAC of their NIK under secret (as NewCaseStore). Close releases its
// connection.
func NewBroker(c goredis.UniversalClient, prefix string, secret []byte) (*Broker, error) {
	k, err := newKeyspace(prefix, secret)
	if err != nil {
		return nil, err
	}
	b := &Broker{c: c, k: k, ps: c.Subscribe(context.Background()), topics: map[string]*topic{}, done: make(chan struct{})}
	go b.fanOut(b.ps.ChannelWithSubscriptions(goredis.WithChannelSize(256)))
	return b, nil
}

// Publish sends u to the subscribers of u.Citizen on every instance.
func (b *Broker) Publish(ctx context.Context, u cases.Update) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	name := b.k.citizen(u.Citizen)
	if err := b.c.Publish(ctx, b.k.channel(name), data).Err(); err != nil {
		return fmt.Errorf("redis broker: publish: %w", err)
	}
	return nil
}

// Subscribe delivers the citizen's updates (of caseID only, unless "")
// until ctx ends or cancel is called; then the channel is closed. It
// returns once Redis has confirmed the subscription, so an update
// published afterwards is delivered.
func (b *Broker) Subscribe(ctx context.Context, citizen sp.NIK, caseID string) (<-chan *cases.Update, func(), error) {
	name := b.k.citizen(citizen)
	channel := b.k.channel(name)
	s := &subscriber{citizen: citizen, caseID: caseID, ch: make(chan *cases.Update, subscriberBuffer)}

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, nil, errors.New("redis broker: closed")
	}
	t := b.topics[channel]
	if t == nil {
		t = &topic{subs: map[*subscriber]struct{}{}, ready: make(chan struct{})}
		b.topics[channel] = t
		// Sent under the lock, so it cannot overtake the UNSUBSCRIBE of a
		// topic that just emptied.
		if err := b.ps.Subscribe(ctx, channel); err != nil {
			delete(b.topics, channel)
			b.unsubscribe(channel)
			b.mu.Unlock()
			return nil, nil, fmt.Errorf("redis broker: subscribe: %w", err)
		}
	}
	t.subs[s] = struct{}{}
	b.mu.Unlock()

	var once sync.Once
	leave := func() { once.Do(func() { b.remove(channel, s) }) }
	stop := context.AfterFunc(ctx, leave)
	cancel := func() { stop(); leave() }

	timer := time.NewTimer(subscribeTimeout)
	defer timer.Stop()
	select {
	case <-t.ready:
	case <-ctx.Done():
		cancel()
		return nil, nil, ctx.Err()
	case <-timer.C:
		cancel()
		return nil, nil, errors.New("redis broker: subscribe: no confirmation from Redis")
	case <-b.done:
		cancel()
		return nil, nil, errors.New("redis broker: closed")
	}
	return s.ch, cancel, nil
}

// remove drops a local subscriber, and the subscription with its last one.
func (b *Broker) remove(channel string, s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[channel]
	if t == nil {
		return // closed
	}
	if _, ok := t.subs[s]; !ok {
		return
	}
	delete(t.subs, s)
	close(s.ch)
	if len(t.subs) == 0 {
		delete(b.topics, channel)
		b.unsubscribe(channel)
	}
}

// unsubscribe tells Redis; a failure leaves nothing to redo, as go-redis
// forgets the channel first and a reconnection does not restore it.
func (b *Broker) unsubscribe(channel string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = b.ps.Unsubscribe(ctx, channel)
}

// fanOut hands each message to the local subscribers of its channel,
// dropping it for those whose buffer is full.
func (b *Broker) fanOut(msgs <-chan any) {
	defer close(b.done)
	for m := range msgs {
		switch m := m.(type) {
		case *goredis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			b.mu.Lock()
			if t := b.topics[m.Channel]; t != nil {
				select {
				case <-t.ready:
				default:
					close(t.ready)
				}
			}
			b.mu.Unlock()
		case *goredis.Message:
			u := &cases.Update{} // shared by the subscribers, who only read it
			if json.Unmarshal([]byte(m.Payload), u) != nil {
				continue
			}
			b.mu.Lock()
			if t := b.topics[m.Channel]; t != nil {
				for s := range t.subs {
					if s.citizen != u.Citizen {
						continue // an HMAC collision, however unlikely
					}
					if s.caseID != "" && s.caseID != u.CaseID {
						continue
					}
					select {
					case s.ch <- u:
					default:
					}
				}
			}
			b.mu.Unlock()
		}
	}
}

// Close ends every subscription (their channels close) and releases the
// pub/sub connection. Publish keeps working: it uses the client.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, t := range b.topics {
		for s := range t.subs {
			close(s.ch)
		}
	}
	clear(b.topics)
	b.mu.Unlock()
	err := b.ps.Close()
	<-b.done
	return err
}
