package memory

import (
	"context"
	"sync"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

var _ cases.Broker = (*Broker)(nil)

// subscriberBuffer is how many updates a slow subscriber may fall behind
// before it loses some.
const subscriberBuffer = 16

// Broker fans case updates out to the subscribers in this process.
type Broker struct {
	mu   sync.Mutex
	subs map[sp.NIK]map[*subscriber]struct{}
}

type subscriber struct {
	caseID string // "" for all the citizen's cases
	ch     chan *cases.Update
}

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker {
	return &Broker{subs: map[sp.NIK]map[*subscriber]struct{}{}}
}

// Publish hands u to the citizen's subscribers without waiting: one whose
// buffer is full loses it.
func (b *Broker) Publish(_ context.Context, u cases.Update) error {
	shared := &u
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[u.Citizen] {
		if s.caseID != "" && s.caseID != u.CaseID {
			continue
		}
		select {
		case s.ch <- shared:
		default:
		}
	}
	return nil
}

// Subscribe delivers the citizen's updates (of caseID only, unless "")
// until ctx ends or cancel is called; then the channel is closed.
func (b *Broker) Subscribe(ctx context.Context, citizen sp.NIK, caseID string) (<-chan *cases.Update, func(), error) {
	s := &subscriber{caseID: caseID, ch: make(chan *cases.Update, subscriberBuffer)}
	b.mu.Lock()
	if b.subs[citizen] == nil {
		b.subs[citizen] = map[*subscriber]struct{}{}
	}
	b.subs[citizen][s] = struct{}{}
	b.mu.Unlock()

	var once sync.Once
	leave := func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.subs[citizen], s)
			if len(b.subs[citizen]) == 0 {
				delete(b.subs, citizen)
			}
			close(s.ch)
		})
	}
	stop := context.AfterFunc(ctx, leave)
	return s.ch, func() { stop(); leave() }, nil
}
